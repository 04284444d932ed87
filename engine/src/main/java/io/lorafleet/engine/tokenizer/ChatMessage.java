package io.lorafleet.engine.tokenizer;

/** One turn of a conversation: role ({@code system}, {@code user}, {@code assistant}) and text. */
public record ChatMessage(String role, String content) {}
