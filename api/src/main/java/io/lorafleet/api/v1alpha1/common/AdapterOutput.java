package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where an adapter the operator produces (a training run, a merge) is stored, and whether a
 * LoraAdapter serves it.
 */
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
public record AdapterOutput(
    @JsonPropertyDescription(
            "Name of the LoraAdapter created or updated with the produced adapter; also the"
                + " artifact name.")
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
            "When set, the LoraAdapter is created with this placement and the adapter is served;"
                + " when absent, the artifact is only stored.")
        Placement deploy) {}
