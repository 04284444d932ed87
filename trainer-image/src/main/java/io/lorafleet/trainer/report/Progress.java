package io.lorafleet.trainer.report;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * progress.json as the operator reads it (its {@code JobReport.Progress}); {@code epoch} is
 * fractional (1.5 = half-way through the second pass).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Progress(
    long step,
    long totalSteps,
    double epoch,
    Double loss,
    Double evalLoss,
    Double tokensPerSecond,
    Long etaSeconds,
    Checkpoint lastCheckpoint,
    String updatedAt) {

  public record Checkpoint(long step, String uri) {}
}
