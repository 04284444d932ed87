package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.common.Validation;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;

/**
 * The evaluation gate, the same settings as {@code trainer eval} / {@code lorafleet eval}
 * (docs/evaluation.md): thresholds are fractions (0.05 = 5 % or 5 points). Without {@code
 * datasetUri} the gate scores the candidate's own validation split ({@link
 * io.lorafleet.api.v1alpha1.jobs.ValidationSplit}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.datasetUri) || self.datasetUri.matches(" + Validation.S3_URI_PATTERN + ")",
    message = "datasetUri must start with s3:// followed by a bucket name and an optional /prefix",
    fieldPath = ".datasetUri")
public record RolloutEvaluationSpec(
    @JsonPropertyDescription(
            "S3 URI of the JSONL evaluation rows (a file or a prefix). Unset: the validation split"
                + " the candidate version's training run held out (named in its lineage).")
        @Size(max = 1024)
        String datasetUri,
    @JsonPropertyDescription(
            "Row format of datasetUri and safetyDatasetUri: prompt-completion or chat (a"
                + " validation split has its training dataset's format).")
        @Default("prompt-completion")
        DatasetFormat format,
    @JsonPropertyDescription(
            "S3 URI of safety probe rows whose completions are refusals (optional).")
        @Size(max = 1024)
        String safetyDatasetUri,
    @JsonPropertyDescription(
            "Secret with credentials for the datasets' bucket (a validation split is read with"
                + " spec.artifact's credentials).")
        SecretReference credentialsSecretRef,
    @JsonPropertyDescription(
            "Besides exact match: substring (default) or regex (each completion is a pattern).")
        @Default("substring")
        Match match,
    @JsonPropertyDescription("What counts as a refusal; default: common English refusals.")
        @Size(max = 1024)
        String refusalRegex,
    @JsonPropertyDescription("Candidate loss may exceed stable's by this fraction.")
        @Default("0.05")
        Double maxLossIncrease,
    @JsonPropertyDescription("Candidate match rate may fall below stable's by this much.")
        @Default("0.05")
        Double maxMatchDrop,
    @JsonPropertyDescription("Candidate refusal rate may fall below stable's by this much.")
        @Default("0.1")
        Double maxRefusalDrop,
    @JsonPropertyDescription("Candidate loss must be this fraction below the base model's.")
        @Default("0.0")
        Double minLossGainOverBase,
    @JsonPropertyDescription(
            "The evaluation pod's container resources; cpu and memory not named default to 1 CPU"
                + " and 4Gi (the memory limit follows the request: the JVM sizes its heap from it).")
        ComputeResources resources) {

  public enum Match {
    @JsonProperty("substring")
    SUBSTRING,
    @JsonProperty("regex")
    REGEX
  }
}
