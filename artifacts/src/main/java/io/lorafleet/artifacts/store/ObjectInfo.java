package io.lorafleet.artifacts.store;

import java.time.Instant;

/** One stored object. */
public record ObjectInfo(String key, long size, Instant lastModified) {}
