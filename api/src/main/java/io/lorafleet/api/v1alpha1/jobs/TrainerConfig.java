package io.lorafleet.api.v1alpha1.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetSpec;
import io.lorafleet.api.v1alpha1.finetunejob.LoraSpec;
import io.lorafleet.api.v1alpha1.finetunejob.TrainingSpec;

/**
 * trainer.json, schema version 1: the contract between the operator, which renders it from a
 * FineTuneJob into the trainer Job's ConfigMap, and the trainer, which reads it. The dataset, lora
 * and training parts are the FineTuneJob's spec records themselves. Every URI is {@code
 * s3://bucket/key} (reached with the files of its credentialsDir: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, optional AWS_ENDPOINT_URL and AWS_REGION) or, on a laptop, a local path.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
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
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Store(String uri, String digest, String credentialsDir) {}

  /**
   * Where the adapter is published as {@code sha256-<digest>/}; the run directory is written with
   * the same credentials (the operator places both under the output's prefix).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String adapterName, String versionsUri, String credentialsDir) {}
}
