package io.lorafleet.trainer.eval;

import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.GenerationRequest;
import io.lorafleet.engine.model.GenerationResult;
import io.lorafleet.engine.model.Generator;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Scores one model (the base, or the base with one adapter) on rows, through the serving path
 * (LlamaModel.forward with an AdapterTable, Generator): mean token loss on the completion tokens
 * (teacher forcing), and greedy outputs for the match and refusal checks. Every model is scored
 * with the same settings, rows and stop tokens, so their numbers compare.
 */
final class Scorer {
  static final int BLOCK = 16;
  static final int GENERATION_BATCH = 8;

  private final LlamaModel model;
  private final HfTokenizer tokenizer;
  private final EvalSettings settings;
  private final Set<Integer> stop;
  private final PagedKvCache cache;

  /** {@code longestRow}: the most positions one row needs (tokens plus generated tokens). */
  Scorer(
      LlamaModel model,
      HfTokenizer tokenizer,
      EvalSettings settings,
      Set<Integer> stop,
      int longestRow) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.settings = settings;
    this.stop = stop;
    // One cache for every batch (a device backend mirrors each cache object once).
    this.cache = model.newCache(GENERATION_BATCH * (blocks(longestRow) + 1), BLOCK);
  }

  /** Greedy outputs need this many positions for {@code row}. */
  static int positions(EvalRow row, EvalSettings settings) {
    return Math.max(row.sequence().length(), row.prompt().length + newTokens(row, settings));
  }

  static int newTokens(EvalRow row, EvalSettings settings) {
    return settings.maxNewTokens() > 0
        ? settings.maxNewTokens()
        : row.expected().length + EvalSettings.EXTRA_TOKENS;
  }

  /** Summed negative log-likelihood of every completion token, and how many there were. */
  record Loss(double sum, long tokens) {
    double mean() {
      return tokens == 0 ? Double.NaN : sum / tokens;
    }
  }

  Loss loss(List<EvalRow> rows, LoadedAdapter adapter) {
    AdapterTable table = table(adapter);
    int slot = adapter == null ? -1 : 0;
    int vocab = model.config().vocabSize();
    double sum = 0;
    long count = 0;
    for (EvalRow row : rows) {
      int[] tokens = row.sequence().tokens();
      boolean[] mask = row.sequence().lossMask();
      int n = tokens.length;
      List<Integer> logitRows = new ArrayList<>();
      for (int i = 1; i < n; i++) {
        if (mask[i]) {
          logitRows.add(i - 1); // the logits at i-1 predict token i
        }
      }
      int[] blocks = allocate(blocks(n));
      try {
        int[] seqOf = new int[n];
        int[] pos = new int[n];
        int[] slots = new int[n];
        for (int i = 0; i < n; i++) {
          pos[i] = i;
          slots[i] = slot;
        }
        float[] logits =
            model.forward(
                new ForwardBatch(
                    tokens,
                    new AttentionLayout(seqOf, pos, new int[][] {blocks}, BLOCK),
                    slots,
                    logitRows.stream().mapToInt(Integer::intValue).toArray(),
                    false),
                table,
                cache);
        for (int r = 0; r < logitRows.size(); r++) {
          sum += -logSoftmax(logits, r * vocab, vocab, tokens[logitRows.get(r) + 1]);
          count++;
        }
      } finally {
        cache.release(blocks, blocks.length);
      }
    }
    return new Loss(sum, count);
  }

  /** The greedy completion of every row, decoded without special tokens and trimmed. */
  List<String> greedy(List<EvalRow> rows, LoadedAdapter adapter) {
    AdapterTable table = table(adapter);
    int slot = adapter == null ? -1 : 0;
    List<String> out = new ArrayList<>();
    for (int from = 0; from < rows.size(); from += GENERATION_BATCH) {
      List<EvalRow> batch = rows.subList(from, Math.min(rows.size(), from + GENERATION_BATCH));
      List<GenerationRequest> requests = new ArrayList<>();
      for (EvalRow row : batch) {
        requests.add(
            new GenerationRequest(
                row.prompt(), slot, SamplingParams.greedy(newTokens(row, settings), stop)));
      }
      for (GenerationResult r : new Generator(model, table, cache).generate(requests)) {
        out.add(tokenizer.decode(r.tokens(), true).trim());
      }
    }
    return out;
  }

  /** The expected completion as text, decoded the same way as outputs. */
  String expected(EvalRow row) {
    return tokenizer.decode(row.expected(), true).trim();
  }

  private AdapterTable table(LoadedAdapter adapter) {
    AdapterTable empty = AdapterTable.empty(model.config().numHiddenLayers());
    return adapter == null ? empty : empty.with(adapter);
  }

  private int[] allocate(int count) {
    int[] blocks = new int[count];
    for (int i = 0; i < count; i++) {
      blocks[i] = cache.allocate();
    }
    return blocks;
  }

  private static int blocks(int positions) {
    return (positions + BLOCK - 1) / BLOCK;
  }

  private static double logSoftmax(float[] logits, int off, int vocab, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, logits[off + v]);
    }
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      sum += Math.exp(logits[off + v] - max);
    }
    return logits[off + target] - max - Math.log(sum);
  }
}
