package io.lorafleet.engine.support;

import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import java.util.Arrays;
import java.util.List;

/** Runs the engine on whole sequences and returns the logits of every position. */
public final class EngineRun {
  private EngineRun() {}

  /**
   * One batch with every sequence's prompt (prefill); logits of every row, sequences one after the
   * other. {@code slots[i]} is sequence i's adapter slot.
   */
  public static float[] prefill(LlamaModel m, AdapterTable a, List<int[]> seqs, int[] slots) {
    int rows = seqs.stream().mapToInt(s -> s.length).sum();
    PagedKvCache cache = m.newCache(rows / 4 + 4 * seqs.size() + 4, 4);
    int[] tokens = new int[rows];
    int[] seqOf = new int[rows];
    int[] pos = new int[rows];
    int[] slotOf = new int[rows];
    int[][] tables = new int[seqs.size()][];
    int r = 0;
    for (int i = 0; i < seqs.size(); i++) {
      int[] s = seqs.get(i);
      tables[i] = new int[(s.length + 3) / 4];
      for (int b = 0; b < tables[i].length; b++) {
        tables[i][b] = cache.allocate();
      }
      for (int p = 0; p < s.length; p++, r++) {
        tokens[r] = s[p];
        seqOf[r] = i;
        pos[r] = p;
        slotOf[r] = slots[i];
      }
    }
    int[] all = new int[rows];
    Arrays.setAll(all, i -> i);
    AttentionLayout layout = new AttentionLayout(seqOf, pos, tables, 4);
    return m.forward(new ForwardBatch(tokens, layout, slotOf, all, false), a, cache);
  }

  /**
   * The first {@code prefix} tokens as one prefill, then one decode step per remaining token;
   * returns the logits of every position, as {@link #prefill} does for one sequence.
   */
  public static float[] prefillThenDecode(
      LlamaModel m, AdapterTable a, int[] seq, int prefix, int slot) {
    int vocab = m.config().vocabSize();
    PagedKvCache cache = m.newCache(seq.length / 4 + 2, 4);
    int[][] tables = {new int[(seq.length + 3) / 4]};
    for (int b = 0; b < tables[0].length; b++) {
      tables[0][b] = cache.allocate();
    }
    float[] out = new float[seq.length * vocab];
    int[] pos = new int[prefix];
    Arrays.setAll(pos, i -> i);
    int[] slots = new int[prefix];
    Arrays.fill(slots, slot);
    float[] first =
        m.forward(
            new ForwardBatch(
                Arrays.copyOf(seq, prefix),
                new AttentionLayout(new int[prefix], pos, tables, 4),
                slots,
                pos.clone(),
                false),
            a,
            cache);
    System.arraycopy(first, 0, out, 0, first.length);
    for (int p = prefix; p < seq.length; p++) {
      float[] step =
          m.forward(
              new ForwardBatch(
                  new int[] {seq[p]},
                  new AttentionLayout(new int[] {0}, new int[] {p}, tables, 4),
                  new int[] {slot},
                  new int[] {0},
                  true),
              a,
              cache);
      System.arraycopy(step, 0, out, p * vocab, vocab);
    }
    return out;
  }

  /** max |a - b| / max |b|: the error relative to the logit scale. */
  public static double relativeMaxError(float[] actual, float[] expected) {
    double err = 0;
    double scale = 0;
    for (int i = 0; i < expected.length; i++) {
      err = Math.max(err, Math.abs(actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    return err / scale;
  }

  public static double maxAbsError(float[] actual, float[] expected) {
    double err = 0;
    for (int i = 0; i < expected.length; i++) {
      err = Math.max(err, Math.abs(actual[i] - expected[i]));
    }
    return err;
  }
}
