package io.lorafleet.operator.loraadapter.evaluation;

import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.jobs.ValidationSplit;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutEvaluationSpec;
import java.util.Map;
import java.util.Optional;

/**
 * The rows the gate scores a candidate on: {@code spec.rollout.canary.evaluation.datasetUri} when
 * set, else the validation split the candidate's own training run held out, as its lineage names it
 * ({@link ValidationSplit}; docs/decisions/0013-validation-split-as-evaluation-set.md). The split
 * lives next to the adapter's versions, so it is read with {@code spec.artifact}'s credentials, and
 * its digest (pinned by the version's digest) is checked by the eval pod.
 *
 * @param digest the expected "sha256:" digest (a split), or null (the spec's dataset)
 * @param maxSequenceLength a split's: the training run's token limit, under which every row was
 *     valid (else {@code trainer eval}'s default); null for the spec's dataset
 */
public record EvaluationDataset(
    String uri,
    String digest,
    DatasetFormat format,
    SecretReference credentials,
    Integer maxSequenceLength) {

  /** The reason when neither the spec nor the candidate names any rows. */
  public static final String MISSING = "NoEvaluationDataset";

  /** The dataset for the candidate with {@code candidateLineage}; empty when there is none. */
  public static Optional<EvaluationDataset> choose(
      RolloutEvaluationSpec spec,
      Map<String, String> candidateLineage,
      SecretReference artifactCredentials) {
    if (spec.datasetUri() != null) {
      return Optional.of(
          new EvaluationDataset(
              spec.datasetUri(), null, spec.format(), spec.credentialsSecretRef(), null));
    }
    return ValidationSplit.fromLineage(candidateLineage)
        .filter(split -> split.uri().startsWith("s3://"))
        .map(
            split ->
                new EvaluationDataset(
                    split.uri(),
                    split.digest(),
                    split.format(),
                    artifactCredentials,
                    split.maxSequenceLength()));
  }

  /** Why {@link #choose} found nothing, for status.rollout's message and the Event. */
  public static String missing(String candidateDigest, Map<String, String> candidateLineage) {
    String uri = candidateLineage == null ? null : candidateLineage.get(ValidationSplit.URI_KEY);
    String split =
        uri == null
            ? "its lineage names no validation split (not trained by a FineTuneJob with"
                + " dataset.validationSplit > 0)"
            : "the validation split its lineage names is not in object storage (" + uri + ")";
    return "the evaluation could not run: "
        + MISSING
        + ": spec.rollout.canary.evaluation has no datasetUri and the candidate "
        + candidateDigest
        + " brings no rows of its own: "
        + split
        + "; set evaluation.datasetUri";
  }
}
