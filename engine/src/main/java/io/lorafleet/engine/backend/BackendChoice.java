package io.lorafleet.engine.backend;

/**
 * The backend a process runs on, which provider made it ({@code cpu}, {@code cuda}, {@code
 * host-device}), what was asked for ({@code auto} or a name) and why this one: logged at start and
 * exposed by the server.
 */
public record BackendChoice(Backend backend, String provider, String requested, String reason) {}
