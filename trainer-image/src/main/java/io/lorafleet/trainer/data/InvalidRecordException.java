package io.lorafleet.trainer.data;

/** A record that cannot be trained on; the message says why, without the record's content. */
public final class InvalidRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidRecordException(String problem) {
    super(problem);
  }
}
