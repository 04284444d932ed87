package io.lorafleet.trainer.data;

import io.lorafleet.engine.train.TrainingSequence;

/**
 * A valid record, tokenized, with where it came from; {@code line} is its JSONL text when the
 * reader keeps it ({@link DatasetReader#keepingLines()}: a run that publishes its validation
 * split), else null.
 */
public record Example(SourceLine where, TrainingSequence sequence, String line) {
  public Example(SourceLine where, TrainingSequence sequence) {
    this(where, sequence, null);
  }

  /** This example without its JSONL text (the same object when it has none). */
  public Example withoutLine() {
    return line == null ? this : new Example(where, sequence);
  }
}
