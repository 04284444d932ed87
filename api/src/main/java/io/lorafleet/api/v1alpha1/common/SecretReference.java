package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Secret in the same namespace holding object-storage credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretReference(
    @JsonPropertyDescription(
            "Name of a Secret in the same namespace with the keys AWS_ACCESS_KEY_ID and"
                + " AWS_SECRET_ACCESS_KEY, and optionally AWS_ENDPOINT_URL (for MinIO or any"
                + " S3-compatible store) and AWS_REGION. The values are mounted into the pods"
                + " that need them; they never appear in status, events or request bodies.")
        @Required
        @Size(max = 253)
        String name) {}
