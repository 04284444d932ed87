package io.lorafleet.engine.model;

import io.lorafleet.engine.backend.AttentionLayout;
import java.util.List;

/**
 * The one place forward batches are built, for the generator and the server's scheduler alike: a
 * prefill batch holds every prompt token of its sequences and asks for each sequence's last row's
 * logits; a decode batch holds one row (the last token) per sequence. Callers order sequences by
 * adapter slot when they want the rows of one adapter contiguous; the sequences' KV blocks must
 * already be reserved.
 */
public final class ForwardBatches {
  private ForwardBatches() {}

  public static ForwardBatch prefill(List<? extends BatchSequence> seqs, int blockSize) {
    int rows = 0;
    for (BatchSequence s : seqs) {
      rows += s.promptTokens().length;
    }
    int[] tokens = new int[rows];
    int[] seqOf = new int[rows];
    int[] pos = new int[rows];
    int[] slots = new int[rows];
    int[] logitRows = new int[seqs.size()];
    int r = 0;
    for (int i = 0; i < seqs.size(); i++) {
      BatchSequence s = seqs.get(i);
      int[] prompt = s.promptTokens();
      for (int p = 0; p < prompt.length; p++, r++) {
        tokens[r] = prompt[p];
        seqOf[r] = i;
        pos[r] = p;
        slots[r] = s.adapterSlot();
      }
      logitRows[i] = r - 1;
    }
    return new ForwardBatch(tokens, layout(seqs, seqOf, pos, blockSize), slots, logitRows, false);
  }

  public static ForwardBatch decode(List<? extends BatchSequence> seqs, int blockSize) {
    int n = seqs.size();
    int[] tokens = new int[n];
    int[] seqOf = new int[n];
    int[] pos = new int[n];
    int[] slots = new int[n];
    int[] logitRows = new int[n];
    for (int i = 0; i < n; i++) {
      BatchSequence s = seqs.get(i);
      tokens[i] = s.lastToken();
      seqOf[i] = i;
      pos[i] = s.cachedLength() - 1;
      slots[i] = s.adapterSlot();
      logitRows[i] = i;
    }
    return new ForwardBatch(tokens, layout(seqs, seqOf, pos, blockSize), slots, logitRows, true);
  }

  private static AttentionLayout layout(
      List<? extends BatchSequence> seqs, int[] seqOf, int[] pos, int blockSize) {
    int[][] tables = new int[seqs.size()][];
    for (int i = 0; i < tables.length; i++) {
      tables[i] = seqs.get(i).blockTable();
    }
    return new AttentionLayout(seqOf, pos, tables, blockSize);
  }
}
