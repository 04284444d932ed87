package io.lorafleet.serving.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of {@code GET /v1/adapters}: the adapters the pod holds, with the tier each sits in and
 * the load probe's verdict. The server writes it, the operator reads it (name, digest, probe).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdapterList(@JsonProperty("data") List<Adapter> data) {
  public AdapterList {
    data = data == null ? List.of() : List.copyOf(data);
  }

  /** One loaded version; {@code digest} is {@code sha256:<hex>}, {@code lastUsed} RFC 3339. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Adapter(
      @JsonProperty("name") String name,
      @JsonProperty("digest") String digest,
      @JsonProperty("rank") int rank,
      @JsonProperty("tier") String tier,
      @JsonProperty("last_used") String lastUsed,
      @JsonProperty("pinned") boolean pinned,
      @JsonProperty("requests_served") long requestsServed,
      @JsonProperty("source") String source,
      @JsonProperty("probe") Probe probe) {}

  /**
   * What the load probe measured: the largest logit difference the adapter makes on a fixed prompt
   * ({@code maxLogitDiff}, null when not a number), whether that counts as no effect, the threshold
   * it was judged by, the prompt's length and the probe's cost.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Probe(
      @JsonProperty("max_logit_diff") Double maxLogitDiff,
      @JsonProperty("finite") boolean finite,
      @JsonProperty("no_effect") boolean noEffect,
      @JsonProperty("no_effect_at_or_below") double noEffectAtOrBelow,
      @JsonProperty("prompt_tokens") int promptTokens,
      @JsonProperty("millis") double millis) {}
}
