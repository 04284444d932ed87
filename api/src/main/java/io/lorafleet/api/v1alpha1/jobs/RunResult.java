package io.lorafleet.api.v1alpha1.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * result.json in a run directory, written once at the end of a training or merge run and read by
 * the operator: {@code status} succeeded with the published {@code adapter} (uri and "sha256:"
 * digest), metrics and lineage; or failed with a CamelCase {@code reason} and a {@code message}.
 * Unknown fields are ignored so newer trainers work with older operators.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunResult(
    String status,
    Adapter adapter,
    String reason,
    String message,
    Map<String, Object> metrics,
    Map<String, String> lineage) {

  /** The file's name in the run directory. */
  public static final String FILE = "result.json";

  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  /** The published adapter version: its {@code sha256-<hex>/} uri and "sha256:hex" digest. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Adapter(String uri, String digest) {}

  public static RunResult succeeded(
      Adapter adapter, Map<String, Object> metrics, Map<String, String> lineage) {
    return new RunResult(SUCCEEDED, adapter, null, null, metrics, lineage);
  }

  public static RunResult failed(String reason, String message) {
    return new RunResult(FAILED, null, reason, message, null, null);
  }

  /** Succeeded with a published adapter digest (a result without one is not a success). */
  @JsonIgnore
  public boolean succeeded() {
    return SUCCEEDED.equals(status) && adapter != null && adapter.digest() != null;
  }
}
