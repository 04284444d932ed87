package io.lorafleet.server.admin;

/**
 * {@code {"lora_name", "lora_path", "load_inplace"?, "pinned"?}}; {@code pinned} (our extension)
 * keeps the parsed adapter in host memory whatever the LRU says.
 */
public record LoadRequest(String loraName, String loraPath, Boolean loadInplace, Boolean pinned) {}
