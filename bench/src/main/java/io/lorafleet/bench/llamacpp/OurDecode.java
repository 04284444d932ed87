package io.lorafleet.bench.llamacpp;

import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** The engine's side of the comparison: teacher-forced top tokens and a timed greedy window. */
final class OurDecode {
  private static final int BLOCK = 16;

  private OurDecode() {}

  /** The greedy next token after every position of {@code tokens} (one prefill, all rows). */
  static int[] topTokens(LlamaModel model, int[] tokens) {
    return topTokens(model, AdapterTable.empty(model.config().numHiddenLayers()), -1, tokens);
  }

  /** As {@link #topTokens(LlamaModel, int[])} with every position on adapter {@code slot}. */
  static int[] topTokens(LlamaModel model, AdapterTable adapters, int slot, int[] tokens) {
    int n = tokens.length;
    int[][] table = blockTable(model, 1, n);
    PagedKvCache cache = model.newCache(table[0].length, BLOCK);
    int[] seq = new int[n];
    int[] pos = new int[n];
    int[] slots = new int[n];
    int[] rows = new int[n];
    Arrays.setAll(pos, i -> i);
    Arrays.fill(slots, slot);
    Arrays.setAll(rows, i -> i);
    float[] logits =
        model.forward(
            new ForwardBatch(
                tokens, new AttentionLayout(seq, pos, table, BLOCK), slots, rows, false),
            adapters,
            cache);
    int vocab = model.config().vocabSize();
    int[] top = new int[n];
    for (int i = 0; i < n; i++) {
      top[i] = model.backend().argmax(logits, i * vocab, vocab);
    }
    return top;
  }

  /** {@code batch} greedy streams: prompt prefilled (untimed), then {@code steps} timed. */
  static DecodeWindow window(LlamaModel model, int[] tokens, int batch, int prompt, int steps) {
    int[][] table = blockTable(model, batch, prompt + steps);
    PagedKvCache cache = model.newCache(batch * table[0].length, BLOCK);
    int next = 0;
    for (int[] t : table) {
      for (int i = 0; i < t.length; i++) {
        t[i] = next++;
      }
    }
    AdapterTable none = AdapterTable.empty(model.config().numHiddenLayers());
    int rowsN = batch * prompt;
    int[] ids = new int[rowsN];
    int[] seqOf = new int[rowsN];
    int[] pos = new int[rowsN];
    int[] slots = new int[rowsN];
    Arrays.fill(slots, -1);
    for (int r = 0; r < rowsN; r++) {
      ids[r] = tokens[r % prompt];
      seqOf[r] = r / prompt;
      pos[r] = r % prompt;
    }
    int[] last = new int[batch];
    Arrays.setAll(last, i -> i * prompt + prompt - 1);
    int vocab = model.config().vocabSize();
    float[] logits =
        model.forward(
            new ForwardBatch(
                ids, new AttentionLayout(seqOf, pos, table, BLOCK), slots, last, false),
            none,
            cache);
    int[] cur = new int[batch];
    for (int i = 0; i < batch; i++) {
      cur[i] = model.backend().argmax(logits, i * vocab, vocab);
    }
    int[] seq = new int[batch];
    Arrays.setAll(seq, i -> i);
    int[] rows = seq.clone();
    int[] stepSlots = new int[batch];
    Arrays.fill(stepSlots, -1);
    long cpu = processCpuNanos();
    long start = System.nanoTime();
    for (int s = 0; s < steps; s++) {
      int[] p = new int[batch];
      Arrays.fill(p, prompt + s);
      logits =
          model.forward(
              new ForwardBatch(
                  cur, new AttentionLayout(seq, p, table, BLOCK), stepSlots, rows, true),
              none,
              cache);
      int[] chosen = new int[batch];
      for (int i = 0; i < batch; i++) {
        chosen[i] = model.backend().argmax(logits, i * vocab, vocab);
      }
      cur = chosen;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuMs = (processCpuNanos() - cpu) / 1e6;
    return new DecodeWindow(batch * steps / seconds, cpuMs / (batch * steps));
  }

  /** This process's CPU time (all threads, as the peer's process.cpuUsage() counts). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static int[][] blockTable(LlamaModel model, int batch, int positions) {
    int blocks = (positions + BLOCK - 1) / BLOCK;
    int[][] t = new int[batch][blocks];
    int next = 0;
    for (int[] row : t) {
      for (int i = 0; i < blocks; i++) {
        row[i] = next++;
      }
    }
    return t;
  }
}
