package io.lorafleet.server.probe;

import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.server.model.BaseModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;

/**
 * Proves that a freshly loaded adapter changes what the model computes: a fixed prompt runs once on
 * the base model and once through the adapter, both as rows of one prefill forward, and the largest
 * absolute difference between their logits (every position, every vocabulary entry) is reported. A
 * silently ignored adapter (all lora_B zero, as PEFT initialises them, or modules the engine never
 * applies) gives exactly 0.
 *
 * <p>The forward runs on the serving model itself ({@link LlamaModel#forward} is synchronized, so
 * it waits for, at most, one scheduler step) with its own small KV cache, created once: a device
 * backend keeps a mirror per cache object, so a cache per probe would leak device memory. The probe
 * table holds only the new adapter; the scheduler's next step re-syncs its own table.
 */
@ApplicationScoped
public class EffectProbe {
  /** The probe text: plain ASCII words and digits, which every tokenizer encodes. */
  public static final String PROMPT =
      "Lorafleet load probe: the quick brown fox jumps over the lazy dog, 0123456789.";

  /** At most this many prompt tokens are run (a byte-level tokenizer makes many). */
  static final int MAX_TOKENS = 32;

  /**
   * At or below this max logit difference the adapter has no effect. A zero-B adapter adds exact
   * zeros (difference 0.0); any trained or randomly initialised B moves logits by far more.
   */
  public static final double NO_EFFECT_AT_OR_BELOW = 1e-6;

  private static final int BLOCK = 16;

  private PagedKvCache cache; // guarded by this; for the model in cacheOwner
  private LlamaModel cacheOwner;

  /** Runs the probe of {@code adapter} against {@code base}; one forward of two short rows. */
  public synchronized ProbeResult run(BaseModel base, LoadedAdapter adapter) {
    long start = System.nanoTime();
    int[] all = base.tokenizer().encode(PROMPT, true);
    int[] prompt = Arrays.copyOf(all, Math.min(all.length, MAX_TOKENS));
    int n = prompt.length;
    int blocksPerSeq = (n + BLOCK - 1) / BLOCK;
    PagedKvCache kv = cacheFor(base.model());
    int[][] tables = new int[2][blocksPerSeq];
    int[] tokens = new int[2 * n];
    int[] seqOf = new int[2 * n];
    int[] pos = new int[2 * n];
    int[] slots = new int[2 * n];
    int[] logitRows = new int[2 * n];
    int[] allocated = new int[2];
    try {
      for (int s = 0; s < 2; s++) {
        for (int b = 0; b < blocksPerSeq; b++) {
          tables[s][b] = kv.allocate();
          allocated[s]++;
        }
        for (int p = 0; p < n; p++) {
          int r = s * n + p;
          tokens[r] = prompt[p];
          seqOf[r] = s;
          pos[r] = p;
          slots[r] = s == 0 ? -1 : 0; // row set 0: base model; row set 1: the adapter
          logitRows[r] = r;
        }
      }
      AdapterTable table = AdapterTable.empty(base.config().numHiddenLayers()).with(adapter);
      float[] logits =
          base.model()
              .forward(
                  new ForwardBatch(
                      tokens,
                      new AttentionLayout(seqOf, pos, tables, BLOCK),
                      slots,
                      logitRows,
                      false),
                  table,
                  kv);
      int vocab = base.config().vocabSize();
      double max = 0;
      int half = n * vocab;
      for (int i = 0; i < half; i++) {
        double d = Math.abs((double) logits[half + i] - logits[i]);
        if (Double.isNaN(d)) {
          max = Double.NaN; // a NaN adapter has an effect, and a bad one: reported as such
          break;
        }
        max = Math.max(max, d);
      }
      boolean noEffect = !Double.isNaN(max) && max <= NO_EFFECT_AT_OR_BELOW;
      return new ProbeResult(max, n, noEffect, (System.nanoTime() - start) / 1_000_000.0);
    } finally {
      kv.release(tables[0], allocated[0]);
      kv.release(tables[1], allocated[1]);
    }
  }

  /** Sized once for the most a probe takes (two rows of MAX_TOKENS); every probe frees it all. */
  private PagedKvCache cacheFor(LlamaModel model) {
    if (cache == null || cacheOwner != model) {
      cache = model.newCache(2 * ((MAX_TOKENS + BLOCK - 1) / BLOCK), BLOCK);
      cacheOwner = model;
    }
    return cache;
  }
}
