package io.lorafleet.server.scheduling;

import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.model.ForwardBatch;
import java.util.List;

/**
 * Builds the engine's forward batches, exactly as the engine's own Generator does: a prefill batch
 * holds every prompt token of newly admitted sequences and asks for the last row's logits; a decode
 * batch holds one row (the last token) per running sequence. Callers pass sequences ordered by
 * adapter slot, so rows of one adapter are contiguous.
 */
final class Batches {
  private Batches() {}

  static ForwardBatch prefill(List<Sequence> seqs, int blockSize) {
    int rows = 0;
    for (Sequence s : seqs) {
      rows += s.prompt.length;
    }
    int[] tokens = new int[rows];
    int[] seqOf = new int[rows];
    int[] pos = new int[rows];
    int[] slots = new int[rows];
    int[] logitRows = new int[seqs.size()];
    int r = 0;
    for (int i = 0; i < seqs.size(); i++) {
      Sequence s = seqs.get(i);
      for (int p = 0; p < s.prompt.length; p++, r++) {
        tokens[r] = s.prompt[p];
        seqOf[r] = i;
        pos[r] = p;
        slots[r] = s.slot;
      }
      logitRows[i] = r - 1;
    }
    return new ForwardBatch(tokens, layout(seqs, seqOf, pos, blockSize), slots, logitRows, false);
  }

  static ForwardBatch decode(List<Sequence> seqs, int blockSize) {
    int n = seqs.size();
    int[] tokens = new int[n];
    int[] seqOf = new int[n];
    int[] pos = new int[n];
    int[] slots = new int[n];
    int[] logitRows = new int[n];
    for (int i = 0; i < n; i++) {
      Sequence s = seqs.get(i);
      tokens[i] = s.last;
      seqOf[i] = i;
      pos[i] = s.length - 1;
      slots[i] = s.slot;
      logitRows[i] = i;
    }
    return new ForwardBatch(tokens, layout(seqs, seqOf, pos, blockSize), slots, logitRows, true);
  }

  private static AttentionLayout layout(
      List<Sequence> seqs, int[] seqOf, int[] pos, int blockSize) {
    int[][] tables = new int[seqs.size()][];
    for (int i = 0; i < tables.length; i++) {
      tables[i] = seqs.get(i).blocks;
    }
    return new AttentionLayout(seqOf, pos, tables, blockSize);
  }
}
