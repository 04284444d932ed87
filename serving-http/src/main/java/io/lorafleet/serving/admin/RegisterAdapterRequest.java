package io.lorafleet.serving.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /v1/register_lora_adapter}: an adapter the pod serves on demand, its
 * version's location and digest (no weights).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RegisterAdapterRequest(
    @JsonProperty("lora_name") String loraName,
    @JsonProperty("lora_path") String loraPath,
    @JsonProperty("digest") String digest) {}
