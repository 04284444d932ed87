package io.lorafleet.serving.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The body of {@code GET /v1/registered_adapters}: what the pod serves on demand. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RegisteredAdapters(@JsonProperty("data") List<Registered> data) {
  public RegisteredAdapters {
    data = data == null ? List.of() : List.copyOf(data);
  }

  /** One registration; {@code digest} is {@code sha256:<hex>}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Registered(
      @JsonProperty("name") String name,
      @JsonProperty("path") String path,
      @JsonProperty("digest") String digest) {}
}
