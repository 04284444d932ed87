package io.lorafleet.trainer.config;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetSpec;
import io.lorafleet.api.v1alpha1.finetunejob.LoraSpec;
import io.lorafleet.api.v1alpha1.finetunejob.TrainingSpec;

/**
 * trainer.json (schema version 1) as the operator writes it (its {@code TrainerConfig}): the
 * FineTuneJob's dataset, lora and training specs (the API records themselves) plus where the run
 * reads and writes. Every URI is {@code s3://bucket/key} (reached with the files of its
 * credentialsDir) or a local path (for runs on a laptop).
 */
public record TrainerConfig(
    int schemaVersion,
    Run run,
    Store baseModel,
    DatasetSpec dataset,
    String datasetCredentialsDir,
    LoraSpec lora,
    TrainingSpec training,
    Output output) {

  /** The newest schema this trainer reads. */
  public static final int SCHEMA_VERSION = 1;

  /**
   * Which run this is. {@code directory} receives progress.json, result.json and checkpoints/;
   * checkpoints found there are resumed (the operator makes it unique per FineTuneJob uid).
   */
  public record Run(String namespace, String name, String uid, String directory) {}

  /** A base model: HF directory or published version; {@code digest} pins it ("sha256:..."). */
  public record Store(String uri, String digest, String credentialsDir) {}

  /**
   * Where the adapter is published as {@code sha256-<digest>/}; the run directory is written with
   * the same credentials (the operator places both under the output's prefix).
   */
  public record Output(String adapterName, String versionsUri, String credentialsDir) {}
}
