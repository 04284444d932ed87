package io.lorafleet.serving.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /v1/load_lora_adapter}, vLLM's shape ({@code lora_name}, {@code
 * lora_path}, {@code load_inplace}) plus our {@code pinned}: keep the parsed adapter in host memory
 * whatever the LRU says. The operator writes it (to our server and to vLLM pods, which never get
 * {@code pinned}: absent fields are not written), the server reads it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record LoadAdapterRequest(
    @JsonProperty("lora_name") String loraName,
    @JsonProperty("lora_path") String loraPath,
    @JsonProperty("load_inplace") Boolean loadInplace,
    @JsonProperty("pinned") Boolean pinned) {}
