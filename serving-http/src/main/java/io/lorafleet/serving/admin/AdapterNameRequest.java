package io.lorafleet.serving.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The body of {@code POST /v1/unload_lora_adapter} and {@code /v1/unregister_lora_adapter}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdapterNameRequest(@JsonProperty("lora_name") String loraName) {}
