package io.lorafleet.artifacts.store;

import java.time.Instant;

/** A version found by listing: its URI, digest and when its manifest was written. */
public record VersionInfo(S3Uri uri, String digest, Instant publishedAt) {}
