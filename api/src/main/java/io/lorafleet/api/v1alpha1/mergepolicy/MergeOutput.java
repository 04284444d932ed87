package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.common.Validation;

/** Where the merged adapter is stored and how it is served. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "self.adapterName.size() <= 63 && self.adapterName.matches("
            + Validation.DNS_LABEL_PATTERN
            + ")",
    message = "adapterName " + Validation.DNS_LABEL_MESSAGE,
    fieldPath = ".adapterName")
@ValidationRule(
    value = "self.artifactPrefix.matches(" + Validation.S3_URI_PATTERN + ")",
    message = "artifactPrefix must be an s3:// URI: " + Validation.S3_URI_MESSAGE,
    fieldPath = ".artifactPrefix")
public record MergeOutput(
    @JsonPropertyDescription("Name of the LoraAdapter that serves the merged adapter.")
        @Required
        @Size(max = 63)
        String adapterName,
    @JsonPropertyDescription(
            "S3 URI under which versions are written:"
                + " <prefix>/<namespace>/adapters/<adapterName>/sha256-<digest>/.")
        @Required
        @Size(max = 1024)
        String artifactPrefix,
    @JsonPropertyDescription("Secret with credentials for the output bucket.")
        SecretReference credentialsSecretRef,
    @JsonPropertyDescription(
            "When set, the merged adapter is served with this placement; when absent, it is only"
                + " stored.")
        Placement deploy) {}
