package io.lorafleet.server.pool;

/** {@code {"lora_name", "lora_path", "digest"}}: an adapter this pod serves on demand. */
public record RegisterRequest(String loraName, String loraPath, String digest) {}
