package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.common.Validation;

/** The training data: JSONL in object storage. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.validationSplit >= 0.0 && self.validationSplit < 1.0",
    message = "validationSplit must be a fraction in [0, 1)",
    fieldPath = ".validationSplit")
@ValidationRule(
    value = "self.maxInvalidFraction >= 0.0 && self.maxInvalidFraction <= 1.0",
    message = "maxInvalidFraction must be a fraction in [0, 1]",
    fieldPath = ".maxInvalidFraction")
@ValidationRule(
    value = "self.uri.matches(" + Validation.S3_URI_PATTERN + ")",
    message = Validation.S3_URI_MESSAGE,
    fieldPath = ".uri")
public record DatasetSpec(
    @JsonPropertyDescription("S3 URI of a JSONL file, or of a prefix whose *.jsonl files are read.")
        @Required
        @Size(max = 1024)
        String uri,
    @JsonPropertyDescription("Secret with credentials for the dataset's bucket.")
        SecretReference credentialsSecretRef,
    @JsonPropertyDescription("Record shape: prompt-completion or chat.")
        @Default("prompt-completion")
        DatasetFormat format,
    @JsonPropertyDescription("Fraction of records held out for evaluation loss.") @Default("0.05")
        Double validationSplit,
    @JsonPropertyDescription(
            "Fraction of invalid lines (bad JSON, empty completion, too long) tolerated; above"
                + " it the run fails without retry. Invalid lines are reported with their line"
                + " numbers.")
        @Default("0.01")
        Double maxInvalidFraction) {}
