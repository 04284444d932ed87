package io.lorafleet.trainer.checkpoint;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * checkpoint.json: written after the checkpoint's other files, so its presence marks the checkpoint
 * complete. {@code step} optimizer steps are done; the data position is a pure function of the step
 * (the batch plan depends only on seed and epoch), {@code epoch} and {@code batchInEpoch} are
 * recorded to check that. {@code fingerprint} identifies the run's settings and inputs: a
 * checkpoint of other settings is never resumed.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CheckpointInfo(
    int schemaVersion,
    long step,
    long epoch,
    long batchInEpoch,
    String stateSha256,
    long stateSize,
    String fingerprint,
    Double trainLoss,
    String createdAt) {
  public static final int SCHEMA_VERSION = 1;
}
