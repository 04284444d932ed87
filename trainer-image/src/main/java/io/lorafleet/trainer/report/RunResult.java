package io.lorafleet.trainer.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * result.json as the operator reads it (its {@code JobReport.Result}): {@code status} succeeded
 * with the published {@code adapter} (uri and "sha256:" digest), metrics and lineage; or failed
 * with a CamelCase {@code reason} and a {@code message}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunResult(
    String status,
    Adapter adapter,
    String reason,
    String message,
    Map<String, Object> metrics,
    Map<String, String> lineage) {

  public record Adapter(String uri, String digest) {}

  public static RunResult succeeded(
      Adapter adapter, Map<String, Object> metrics, Map<String, String> lineage) {
    return new RunResult("succeeded", adapter, null, null, metrics, lineage);
  }

  public static RunResult failed(String reason, String message) {
    return new RunResult("failed", null, reason, message, null, null);
  }

  public boolean succeeded() {
    return "succeeded".equals(status);
  }
}
