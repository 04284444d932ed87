package io.lorafleet.engine.model;

import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Continuous generation for a fixed set of requests: one prefill batch with every prompt, then one
 * decode batch per step with every unfinished sequence, each row on its own adapter.
 */
public final class Generator {
  private final LlamaModel model;
  private final AdapterTable adapters;
  private final PagedKvCache cache;

  public Generator(LlamaModel model, AdapterTable adapters, PagedKvCache cache) {
    this.model = model;
    this.adapters = adapters;
    this.cache = cache;
  }

  public List<GenerationResult> generate(List<GenerationRequest> requests) {
    List<Sequence> seqs = new ArrayList<>();
    for (GenerationRequest r : requests) {
      int slot = r.adapterSlot();
      if (slot < -1 || slot >= adapters.size() || (slot >= 0 && adapters.adapter(slot) == null)) {
        throw new IllegalArgumentException("adapter slot " + r.adapterSlot() + " is not loaded");
      }
      seqs.add(new Sequence(r, cache));
    }
    try {
      float[] logits = model.forward(prefill(seqs), adapters, cache);
      int vocab = model.config().vocabSize();
      List<Sequence> active = new ArrayList<>(seqs);
      int row = 0;
      for (Sequence s : seqs) {
        s.accept(pick(s, logits, row++ * vocab, vocab));
      }
      active.removeIf(Sequence::finished);
      while (!active.isEmpty()) {
        logits = model.forward(decode(active), adapters, cache);
        for (int i = 0; i < active.size(); i++) {
          active.get(i).accept(pick(active.get(i), logits, i * vocab, vocab));
        }
        active.removeIf(Sequence::finished);
      }
      return seqs.stream().map(Sequence::result).toList();
    } finally {
      seqs.forEach(Sequence::release);
    }
  }

  private int pick(Sequence s, float[] logits, int off, int vocab) {
    return s.params.pick(model.backend(), logits, off, vocab, s.random);
  }

  /** Reserves every prompt's cache blocks, in order, then builds the prefill batch. */
  private ForwardBatch prefill(List<Sequence> seqs) {
    for (Sequence s : seqs) {
      s.reserve(s.prompt.length);
    }
    return ForwardBatches.prefill(seqs, cache.blockSize());
  }

  /** Reserves a block for each sequence's new position where needed, then builds the step. */
  private ForwardBatch decode(List<Sequence> seqs) {
    for (Sequence s : seqs) {
      s.reserve(s.length);
    }
    return ForwardBatches.decode(seqs, cache.blockSize());
  }

  /** One request's progress: its cache blocks, generated tokens and random stream. */
  private static final class Sequence implements BatchSequence {
    final int[] prompt;
    final int slot;
    final SamplingParams params;
    final SplittableRandom random;
    final PagedKvCache cache;
    int[] blocks = new int[4];
    int blockCount;
    int length; // tokens in the cache after the next forward
    int last;
    final List<Integer> generated = new ArrayList<>();
    GenerationResult.FinishReason reason;

    Sequence(GenerationRequest r, PagedKvCache cache) {
      this.prompt = r.prompt();
      this.slot = r.adapterSlot();
      this.params = r.params();
      this.random = new SplittableRandom(r.params().seed());
      this.cache = cache;
      this.length = prompt.length;
    }

    @Override
    public int[] promptTokens() {
      return prompt;
    }

    @Override
    public int adapterSlot() {
      return slot;
    }

    @Override
    public int lastToken() {
      return last;
    }

    @Override
    public int cachedLength() {
      return length;
    }

    @Override
    public int[] blockTable() {
      return blocks;
    }

    /** Makes sure the first {@code positions} positions have cache blocks. */
    void reserve(int positions) {
      while (blockCount * cache.blockSize() < positions) {
        if (blockCount == blocks.length) {
          blocks = Arrays.copyOf(blocks, blocks.length * 2);
        }
        blocks[blockCount++] = cache.allocate();
      }
    }

    void accept(int token) {
      if (params.stopTokens().contains(token)) {
        reason = GenerationResult.FinishReason.STOP;
        return;
      }
      generated.add(token);
      last = token;
      length++;
      if (generated.size() >= params.maxNewTokens()) {
        reason = GenerationResult.FinishReason.LENGTH;
      }
    }

    boolean finished() {
      return reason != null;
    }

    GenerationResult result() {
      return new GenerationResult(generated.stream().mapToInt(Integer::intValue).toArray(), reason);
    }

    void release() {
      cache.release(blocks, blockCount);
      blockCount = 0;
    }
  }
}
