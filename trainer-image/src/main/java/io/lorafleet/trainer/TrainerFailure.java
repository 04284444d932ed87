package io.lorafleet.trainer;

/**
 * Why a run stopped without an adapter: a CamelCase {@code reason} for result.json (the operator
 * shows it as the FineTuneJob's reason), a message for people, and whether a retry could help.
 * Permanent failures exit with {@link ExitCodes#BAD_INPUT}, so the Job is not retried.
 */
public class TrainerFailure extends Exception {
  private static final long serialVersionUID = 1L;

  private final String reason;
  private final boolean permanent;

  public TrainerFailure(String reason, String message, boolean permanent, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.permanent = permanent;
  }

  /** Bad input: the user must change the config, the dataset or the base model. */
  public static TrainerFailure badInput(String reason, String message) {
    return new TrainerFailure(reason, message, true, null);
  }

  public static TrainerFailure badInput(String reason, String message, Throwable cause) {
    return new TrainerFailure(reason, message, true, cause);
  }

  /** Worth retrying (object store down, a pod killed): the Job's next pod resumes. */
  public static TrainerFailure transientFailure(String reason, String message, Throwable cause) {
    return new TrainerFailure(reason, message, false, cause);
  }

  public String reason() {
    return reason;
  }

  public boolean permanent() {
    return permanent;
  }

  public int exitCode() {
    return permanent ? ExitCodes.BAD_INPUT : ExitCodes.TRANSIENT;
  }
}
