package io.lorafleet.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Length-bucketed micro-batches of the training split, a pure function of (seed, epoch): the
 * examples are shuffled, cut into windows of {@value #WINDOW_BATCHES} batches, sorted by length
 * inside each window (so a batch holds rows of similar length and little compute is spent on
 * padding), cut into batches, and the batches are shuffled. Each row is its own sequence (no
 * packing), so rows never attend to each other. Every epoch has the same number of batches.
 */
public final class BatchPlan {
  static final int WINDOW_BATCHES = 32;

  private final int[] lengths;
  private final int batchSize;
  private final long seed;

  public BatchPlan(int[] lengths, int batchSize, long seed) {
    if (lengths.length == 0) {
      throw new IllegalArgumentException("no training examples");
    }
    this.lengths = lengths.clone();
    this.batchSize = batchSize;
    this.seed = seed;
  }

  public int batchesPerEpoch() {
    return (lengths.length + batchSize - 1) / batchSize;
  }

  /** The epoch's micro-batches as indices into the training split. */
  public List<int[]> epoch(long epoch) {
    SplittableRandom r = DataOrder.random(seed, DataOrder.EPOCH_STREAM, epoch);
    int[] perm = DataOrder.permutation(lengths.length, r);
    List<int[]> batches = new ArrayList<>(batchesPerEpoch());
    int window = WINDOW_BATCHES * batchSize;
    for (int start = 0; start < perm.length; start += window) {
      Integer[] w =
          Arrays.stream(perm, start, Math.min(start + window, perm.length))
              .boxed()
              .toArray(Integer[]::new);
      Arrays.sort(w, Comparator.comparingInt(i -> lengths[i])); // stable: ties keep shuffle order
      for (int b = 0; b < w.length; b += batchSize) {
        int[] batch = new int[Math.min(batchSize, w.length - b)];
        for (int k = 0; k < batch.length; k++) {
          batch[k] = w[b + k];
        }
        batches.add(batch);
      }
    }
    int[] order = DataOrder.permutation(batches.size(), r);
    List<int[]> shuffled = new ArrayList<>(batches.size());
    for (int i : order) {
      shuffled.add(batches.get(i));
    }
    return shuffled;
  }
}
