package io.lorafleet.artifacts.store;

/** A published, immutable version: {@code uri} ends with {@code sha256-<digest>/}. */
public record PublishedVersion(S3Uri uri, String digest, Manifest manifest) {}
