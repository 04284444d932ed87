package io.lorafleet.engine.backend;

/** What a provider may take into account when it opens a backend. */
public record BackendOptions(int threads) {
  public BackendOptions {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be 0 (all processors) or more: " + threads);
    }
  }

  /** Defaults: every available processor for the CPU backend. */
  public static BackendOptions defaults() {
    return new BackendOptions(0);
  }
}
