package io.lorafleet.engine.backend;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keys and values of every layer in fixed-size blocks, layout {@code [numBlocks, blockSize,
 * kvHeads, headDim]} per layer (FlashInfer NHD). Sequences own lists of blocks (their block
 * tables); a token at position {@code p} lives in slot {@code table[p / blockSize] * blockSize + p
 * % blockSize}.
 */
public final class PagedKvCache {
  private final int layers;
  private final int numBlocks;
  private final int blockSize;
  private final int kvHeads;
  private final int headDim;
  private final float[][] keys;
  private final float[][] values;
  private final Deque<Integer> free = new ArrayDeque<>();

  public PagedKvCache(int layers, int numBlocks, int blockSize, int kvHeads, int headDim) {
    long perLayer = (long) numBlocks * blockSize * kvHeads * headDim;
    if (perLayer > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "KV cache of " + perLayer + " floats per layer is too big");
    }
    this.layers = layers;
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.keys = new float[layers][(int) perLayer];
    this.values = new float[layers][(int) perLayer];
    for (int b = 0; b < numBlocks; b++) {
      free.add(b);
    }
  }

  /** Takes a free block; throws when the cache is full (the caller admits fewer sequences). */
  public synchronized int allocate() {
    Integer b = free.poll();
    if (b == null) {
      throw new IllegalStateException("KV cache is full (" + numBlocks + " blocks)");
    }
    return b;
  }

  public synchronized void release(int[] blocks, int count) {
    for (int i = 0; i < count; i++) {
      free.add(blocks[i]);
    }
  }

  public synchronized int freeBlocks() {
    return free.size();
  }

  public int layers() {
    return layers;
  }

  public int blockSize() {
    return blockSize;
  }

  public int kvHeads() {
    return kvHeads;
  }

  public int headDim() {
    return headDim;
  }

  public float[] keys(int layer) {
    return keys[layer];
  }

  public float[] values(int layer) {
    return values[layer];
  }

  /** Offset of (slot, kv head) in a layer's key or value array. */
  public int offset(int slot, int kvHead) {
    return (slot * kvHeads + kvHead) * headDim;
  }
}
