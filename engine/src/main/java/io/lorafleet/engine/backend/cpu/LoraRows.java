package io.lorafleet.engine.backend.cpu;

import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.LoraPair;

/**
 * The CPU form of the multi-LoRA kernels' row loops: SGMV visits adapted rows sorted by adapter,
 * BGMV each row with its own slot; a row's shrink ({@code x·Aᵀ}) and expand ({@code += v·Bᵀ}) are
 * the same in both.
 */
final class LoraRows {
  private final Parallel parallel;

  LoraRows(Parallel parallel) {
    this.parallel = parallel;
  }

  @FunctionalInterface
  interface RowOp {
    void run(int row, LoraPair pair);
  }

  /**
   * Visits adapted rows in sorted order: consecutive rows of a chunk mostly share an adapter, so
   * its matrices stay in cache (the CPU form of SGMV's segment loop).
   */
  void forSortedRows(AdapterGroups groups, LoraPair[] pairs, long workPerRow, RowOp op) {
    int[] rows = groups.tokIdxSorted();
    parallel.forRange(
        rows.length,
        Parallel.chunkForCached(workPerRow),
        (from, to) -> {
          for (int i = from; i < to; i++) {
            LoraPair p = pair(pairs, groups.slotOfRow()[rows[i]]);
            if (p != null) {
              op.run(rows[i], p);
            }
          }
        });
  }

  /** Visits every row with its own slot (BGMV's gather). */
  void forEachRow(int[] slotOfRow, LoraPair[] pairs, long workPerRow, RowOp op) {
    parallel.forRange(
        slotOfRow.length,
        Parallel.chunkForCached(workPerRow),
        (from, to) -> {
          for (int t = from; t < to; t++) {
            LoraPair p = pair(pairs, slotOfRow[t]);
            if (p != null) {
              op.run(t, p);
            }
          }
        });
  }

  private static LoraPair pair(LoraPair[] pairs, int slot) {
    return slot < 0 || slot >= pairs.length ? null : pairs[slot];
  }

  static void shrinkRow(float[] x, int in, int t, LoraPair p, float[] v, int rMax) {
    if (p.rank() > rMax || p.in() != in) {
      throw new IllegalArgumentException(
          "LoRA pair [" + p.rank() + ", " + p.in() + "] does not fit rMax " + rMax + ", in " + in);
    }
    for (int j = 0; j < p.rank(); j++) {
      v[t * rMax + j] = VectorKernels.dot(x, t * in, p.a(), j * in, in);
    }
  }

  static void expandRow(float[] v, int rMax, int t, LoraPair p, float[] y, int out) {
    if (p.out() != out) {
      throw new IllegalArgumentException("LoRA pair out " + p.out() + " does not match " + out);
    }
    for (int j = 0; j < p.rank(); j++) {
      VectorKernels.axpy(v[t * rMax + j], p.bT(), j * out, y, t * out, out);
    }
  }
}
