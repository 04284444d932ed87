package io.lorafleet.kernels.gpu;

import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import java.util.List;

/**
 * Sequences in one paged cache, driven through {@link LlamaModel#forward}: a mixed prefill of every
 * prompt, then decode steps of one row per sequence.
 */
final class Batches {
  static final int BLOCK_SIZE = 16;

  private final LlamaModel model;
  private final AdapterTable adapters;
  private final PagedKvCache cache;
  private final int[][] tables;
  private final int[] slots;
  private final int[] lengths;

  /** Reserves blocks for each sequence's prompt plus {@code extra} decoded tokens. */
  Batches(LlamaModel model, AdapterTable adapters, List<int[]> prompts, int[] slots, int extra) {
    this.model = model;
    this.adapters = adapters;
    this.slots = slots.clone();
    int seqs = prompts.size();
    int[] blocks = new int[seqs];
    int total = 0;
    for (int s = 0; s < seqs; s++) {
      blocks[s] = (prompts.get(s).length + extra + BLOCK_SIZE - 1) / BLOCK_SIZE;
      total += blocks[s];
    }
    this.cache = model.newCache(total, BLOCK_SIZE);
    this.tables = new int[seqs][];
    this.lengths = new int[seqs];
    for (int s = 0; s < seqs; s++) {
      tables[s] = new int[blocks[s]];
      for (int b = 0; b < blocks[s]; b++) {
        tables[s][b] = cache.allocate();
      }
    }
  }

  /**
   * One forward over every prompt; returns the logits of each prompt's last position, or of every
   * position ({@code allPositions}), in sequence order.
   */
  float[] prefill(List<int[]> prompts, boolean allPositions) {
    int rows = 0;
    for (int[] p : prompts) {
      rows += p.length;
    }
    int[] tok = new int[rows];
    int[] seqOf = new int[rows];
    int[] pos = new int[rows];
    int[] slotOf = new int[rows];
    int[] logitRows = new int[allPositions ? rows : prompts.size()];
    int r = 0;
    for (int s = 0; s < prompts.size(); s++) {
      int[] p = prompts.get(s);
      for (int i = 0; i < p.length; i++, r++) {
        tok[r] = p[i];
        seqOf[r] = s;
        pos[r] = i;
        slotOf[r] = slots[s];
        if (allPositions) {
          logitRows[r] = r;
        }
      }
      if (!allPositions) {
        logitRows[s] = r - 1;
      }
      lengths[s] = p.length;
    }
    return model.forward(
        new ForwardBatch(
            tok, new AttentionLayout(seqOf, pos, tables, BLOCK_SIZE), slotOf, logitRows, false),
        adapters,
        cache);
  }

  /** One decode step: {@code next[s]} is appended to sequence s; returns its logits. */
  float[] decode(int[] next) {
    int seqs = tables.length;
    int[] seqIdx = new int[seqs];
    int[] positions = new int[seqs];
    int[] logitRows = new int[seqs];
    for (int s = 0; s < seqs; s++) {
      seqIdx[s] = s;
      positions[s] = lengths[s]++;
      logitRows[s] = s;
    }
    return model.forward(
        new ForwardBatch(
            next.clone(),
            new AttentionLayout(seqIdx, positions, tables, BLOCK_SIZE),
            slots.clone(),
            logitRows,
            true),
        adapters,
        cache);
  }
}
