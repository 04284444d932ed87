package io.lorafleet.server.api;

/** {@code stream_options}: {@code include_usage} adds a last chunk with the usage. */
public record StreamOptions(Boolean includeUsage) {}
