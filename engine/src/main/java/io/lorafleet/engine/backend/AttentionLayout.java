package io.lorafleet.engine.backend;

/**
 * Where each row of a flattened batch sits: its sequence, its position in that sequence, and each
 * sequence's block table. Row {@code t} attends to positions {@code 0..positions[t]} of sequence
 * {@code seqOfRow[t]}, which gives causal prefill and decode with one kernel.
 */
public record AttentionLayout(int[] seqOfRow, int[] positions, int[][] blockTables, int blockSize) {
  public AttentionLayout {
    if (seqOfRow.length != positions.length) {
      throw new IllegalArgumentException("seqOfRow and positions differ in length");
    }
  }

  public int rows() {
    return positions.length;
  }

  /** The cache slot of row {@code t}: block * blockSize + offset in the block. */
  public int slot(int t) {
    int p = positions[t];
    return blockTables[seqOfRow[t]][p / blockSize] * blockSize + p % blockSize;
  }

  /** The cache slot of position {@code p} of sequence {@code seq}. */
  public int slot(int seq, int p) {
    return blockTables[seq][p / blockSize] * blockSize + p % blockSize;
  }
}
