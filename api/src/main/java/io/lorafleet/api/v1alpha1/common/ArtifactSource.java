package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Where a set of files lives in S3-compatible object storage. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.uri.matches(" + Validation.S3_URI_PATTERN + ")",
    message = Validation.S3_URI_MESSAGE,
    fieldPath = ".uri")
@ValidationRule(
    value = "!has(self.digest) || self.digest.matches(" + Validation.DIGEST_PATTERN + ")",
    message = Validation.DIGEST_MESSAGE,
    fieldPath = ".digest")
public record ArtifactSource(
    @JsonPropertyDescription(
            "S3 URI of the directory (bucket and key prefix), e.g. s3://models/llama-3-8b.")
        @Required
        @Size(max = 1024)
        String uri,
    @JsonPropertyDescription(
            "Secret with the credentials for this bucket. Without it the pod's ambient"
                + " credentials are used (for example IRSA or workload identity).")
        SecretReference credentialsSecretRef,
    @JsonPropertyDescription(
            "Optional pin: the expected digest (sha256 of manifest.json). A different digest at"
                + " the URI is refused with the reason DigestMismatch.")
        @Size(max = 71)
        String digest) {}
