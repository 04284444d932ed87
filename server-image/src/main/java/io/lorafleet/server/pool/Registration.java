package io.lorafleet.server.pool;

/**
 * An adapter this pod may serve on demand: its name, the version it is loaded from and that
 * version's digest (hex sha256, no prefix). No weights are read until a request asks for it.
 */
public record Registration(String name, String path, String digest) {}
