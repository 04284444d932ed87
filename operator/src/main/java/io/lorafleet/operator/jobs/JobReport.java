package io.lorafleet.operator.jobs;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * What the trainer image writes to a run directory, in training and in merge mode; unknown fields
 * are ignored so newer trainers work with older operators.
 */
public final class JobReport {
  private JobReport() {}

  /** progress.json, rewritten at most every few seconds. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Progress(
      Long step,
      Long totalSteps,
      Double epoch,
      Double loss,
      Double evalLoss,
      Double tokensPerSecond,
      Long etaSeconds,
      Checkpoint lastCheckpoint,
      String updatedAt) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Checkpoint(Long step, String uri) {}

  /** result.json, written once at the end. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Result(
      String status,
      Adapter adapter,
      String reason,
      String message,
      Map<String, Object> metrics,
      Map<String, String> lineage) {
    public boolean succeeded() {
      return "succeeded".equals(status) && adapter != null && adapter.digest() != null;
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Adapter(String uri, String digest) {}
}
