package io.lorafleet.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Train and validation examples. {@code floor(n * validationSplit)} examples (at least one when the
 * split is positive and there are two or more examples) are held out, chosen by a seeded shuffle;
 * both parts keep file order. Training examples drop their JSONL text: only the held-out lines are
 * published, and a run keeps its training examples in memory until it ends.
 */
public record DataSplit(List<Example> train, List<Example> validation) {

  public static DataSplit of(List<Example> examples, double validationSplit, long seed) {
    int n = examples.size();
    int held = (int) Math.floor(n * validationSplit);
    if (validationSplit > 0 && held == 0 && n >= 2) {
      held = 1;
    }
    held = Math.min(held, n - 1);
    int[] perm = DataOrder.permutation(n, DataOrder.random(seed, DataOrder.SPLIT_STREAM, 0));
    boolean[] isValidation = new boolean[n];
    int[] chosen = Arrays.copyOf(perm, Math.max(held, 0));
    for (int i : chosen) {
      isValidation[i] = true;
    }
    List<Example> train = new ArrayList<>();
    List<Example> validation = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Example e = examples.get(i);
      if (isValidation[i]) {
        validation.add(e);
      } else {
        train.add(e.withoutLine());
      }
    }
    return new DataSplit(List.copyOf(train), List.copyOf(validation));
  }
}
