package io.lorafleet.trainer.data;

/** A line of a dataset file, 1-based, as people and editors count lines. */
public record SourceLine(String file, long line) {
  @Override
  public String toString() {
    return file + ":" + line;
  }
}
