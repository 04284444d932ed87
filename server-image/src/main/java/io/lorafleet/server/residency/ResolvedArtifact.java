package io.lorafleet.server.residency;

import java.nio.file.Path;

/** A verified local copy of an adapter version and its digest (hex, without "sha256:"). */
public record ResolvedArtifact(Path dir, String digest) {}
