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
  private final int perLayer;
  // Host arrays per layer, made on first use: a device backend keeps its own copy and never
  // asks for them, so a GPU server holds no host KV cache.
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
    this.perLayer = (int) perLayer;
    this.keys = new float[layers][];
    this.values = new float[layers][];
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

  /** Floats per layer in each of the key and value arrays. */
  public int floatsPerLayer() {
    return perLayer;
  }

  /** The host keys of a layer (made, zeroed, on first use). */
  public synchronized float[] keys(int layer) {
    if (keys[layer] == null) {
      keys[layer] = new float[perLayer];
    }
    return keys[layer];
  }

  /** The host values of a layer (made, zeroed, on first use). */
  public synchronized float[] values(int layer) {
    if (values[layer] == null) {
      values[layer] = new float[perLayer];
    }
    return values[layer];
  }

  /** Whether the host arrays of a layer exist (only then can they hold anything but zeros). */
  public synchronized boolean hasHostArrays(int layer) {
    return keys[layer] != null || values[layer] != null;
  }

  /** Offset of (slot, kv head) in a layer's key or value array. */
  public int offset(int slot, int kvHead) {
    return (slot * kvHeads + kvHead) * headDim;
  }
}
