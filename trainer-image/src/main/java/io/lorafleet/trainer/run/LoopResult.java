package io.lorafleet.trainer.run;

/** What the loop ends with: the last step's mean loss and the final validation loss (or null). */
public record LoopResult(
    long steps, Double trainLoss, Double evalLoss, long tokens, double seconds) {}
