package io.lorafleet.trainer.data;

import io.lorafleet.engine.train.TrainingSequence;

/** A valid record, tokenized, with where it came from. */
public record Example(SourceLine where, TrainingSequence sequence) {}
