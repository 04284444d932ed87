package io.lorafleet.trainer.data;

/** A line that is not a usable record, and why. */
public record InvalidLine(SourceLine where, String problem) {
  @Override
  public String toString() {
    return where + ": " + problem;
  }
}
