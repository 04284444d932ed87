package io.lorafleet.trainer.eval;

import io.lorafleet.engine.train.TrainingSequence;
import io.lorafleet.trainer.data.SourceLine;
import java.util.Arrays;

/**
 * One dataset row as the evaluation uses it: the whole tokenized row (its completion tokens are the
 * loss targets), the prompt (everything before the first completion token) that greedy decoding
 * starts from, and the expected completion's tokens (the first run of completion tokens: a
 * prompt-completion row's completion and EOS, a chat row's first assistant turn).
 */
record EvalRow(SourceLine where, TrainingSequence sequence, int[] prompt, int[] expected) {

  static EvalRow of(SourceLine where, TrainingSequence s) {
    boolean[] mask = s.lossMask();
    int first = 0;
    while (first < mask.length && !mask[first]) {
      first++;
    }
    int end = first;
    while (end < mask.length && mask[end]) {
      end++;
    }
    int[] tokens = s.tokens();
    return new EvalRow(
        where, s, Arrays.copyOfRange(tokens, 0, first), Arrays.copyOfRange(tokens, first, end));
  }
}
