package io.lorafleet.kernels;

/**
 * The buffers and shape of one paged-attention call: row t attends to positions {@code
 * 0..positions[t]} of sequence {@code seqOfRow[t]}, whose blocks are {@code blockTables[seq *
 * maxBlocks ..]}; {@code q} and {@code out} are {@code [rows, heads, headDim]}.
 */
public record PagedAttention(
    long q,
    long kc,
    long vc,
    long blockTables,
    int maxBlocks,
    long seqOfRow,
    long positions,
    long out,
    int rows,
    int heads,
    int kvHeads,
    int headDim,
    int blockSize,
    float scale) {
  public PagedAttention {
    checkAttentionShape(heads, kvHeads, headDim);
  }

  KernelArgs args() {
    return new KernelArgs()
        .ptr(q)
        .ptr(kc)
        .ptr(vc)
        .ptr(blockTables)
        .i32(maxBlocks)
        .ptr(seqOfRow)
        .ptr(positions);
  }

  private static void checkAttentionShape(int heads, int kvHeads, int headDim) {
    if (kvHeads < 1 || heads % kvHeads != 0 || heads / kvHeads > Kernels.ATTENTION_MAX_GROUP) {
      throw new IllegalArgumentException(
          heads
              + " query heads over "
              + kvHeads
              + " KV heads: groups up to "
              + Kernels.ATTENTION_MAX_GROUP
              + " are supported");
    }
    if (headDim > Kernels.ATTENTION_MAX_HEAD_DIM) {
      throw new IllegalArgumentException(
          "head dimension " + headDim + " exceeds " + Kernels.ATTENTION_MAX_HEAD_DIM);
    }
  }
}
