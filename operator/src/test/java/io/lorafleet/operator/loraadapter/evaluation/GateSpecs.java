package io.lorafleet.operator.loraadapter.evaluation;

import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutEvaluationSpec;

/** Evaluation specs for tests: the datasets and Secret given, every threshold at its default. */
public final class GateSpecs {
  private GateSpecs() {}

  /**
   * {@code datasetUri}, {@code format} and {@code secret} may be null (the fields are optional).
   */
  public static RolloutEvaluationSpec gate(
      String datasetUri, DatasetFormat format, String safetyUri, String secret) {
    return new RolloutEvaluationSpec(
        datasetUri,
        format,
        safetyUri,
        secret == null ? null : new SecretReference(secret),
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }
}
