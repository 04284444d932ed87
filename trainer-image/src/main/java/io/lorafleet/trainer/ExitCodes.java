package io.lorafleet.trainer;

/**
 * The process exit codes the operator's Job relies on: its podFailurePolicy fails the Job at once
 * on {@link #BAD_INPUT}; any other non-zero code is retried up to backoffLimit.
 */
public final class ExitCodes {
  /** The adapter (or merge) was published and result.json written. */
  public static final int OK = 0;

  /** Transient failure (object store unreachable, out of memory, a bug): retry, resuming. */
  public static final int TRANSIENT = 1;

  /** Bad input (config, dataset, base model, digest pin): retrying cannot help. */
  public static final int BAD_INPUT = 2;

  /** {@code eval}: the evaluation ran and a gate failed (result.json says which, with numbers). */
  public static final int EVALUATION_FAILED = 3;

  private ExitCodes() {}
}
