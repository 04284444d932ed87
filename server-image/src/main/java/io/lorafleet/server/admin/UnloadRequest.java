package io.lorafleet.server.admin;

/** {@code {"lora_name"}}. */
public record UnloadRequest(String loraName) {}
