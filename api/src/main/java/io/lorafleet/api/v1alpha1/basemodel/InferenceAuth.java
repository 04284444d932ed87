package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The bearer token a builtin pool's inference API asks of its clients: the router and every serving
 * pod read it from a Secret the user owns, mounted as a file.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.key.matches('^[-._a-zA-Z0-9]+$')",
    message = "key must be a Secret key: letters, digits, '-', '_' or '.'",
    fieldPath = ".key")
public record InferenceAuth(
    @JsonPropertyDescription(
            "Name of a Secret in the BaseModel's namespace that holds the pool's inference token."
                + " Clients send it as 'Authorization: Bearer <token>' (the OpenAI SDK's api_key)"
                + " to the pool's Service; the router and the serving pods read the mounted file at"
                + " every request, so a rotated token takes effect once the kubelet updates the"
                + " file, without a restart. The token never appears in status, events or logs.")
        @Required
        @Size(max = 253)
        String secretName,
    @JsonPropertyDescription("The Secret's key that holds the token.")
        @Default(InferenceAuth.DEFAULT_KEY)
        @Size(max = 253)
        String key) {

  public static final String DEFAULT_KEY = "token";

  /** The key the spec names, the default when it names none. */
  public String keyOrDefault() {
    return key == null ? DEFAULT_KEY : key;
  }
}
