package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Which request value pins a caller to one version during a step. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.key != 'header' || has(self.header)",
    message = "header (its name) is required when key is header",
    fieldPath = ".header")
public record Stickiness(
    @JsonPropertyDescription("user (the OpenAI 'user' field, default) or header.") @Default("user")
        Key key,
    @JsonPropertyDescription("The request header whose value pins the caller, with key header.")
        @Size(max = 128)
        String header) {

  public enum Key {
    @JsonProperty("user")
    USER,
    @JsonProperty("header")
    HEADER
  }
}
