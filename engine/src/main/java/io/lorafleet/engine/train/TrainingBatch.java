package io.lorafleet.engine.train;

import java.util.List;

/** One micro-batch flattened: sequence {@code s} owns rows {@code starts[s] .. starts[s+1]-1}. */
final class TrainingBatch {
  final List<TrainingSequence> seqs;
  final int rows;
  final int[] starts;
  final int[] tokens;
  final int[] positions;

  /** Negated positions: the rotary embedding's transpose is the rotation by −φ. */
  final int[] negPositions;

  final boolean dropout;
  final long dropoutKey;

  TrainingBatch(List<TrainingSequence> seqs, boolean dropout, long dropoutKey) {
    this.seqs = seqs;
    this.dropout = dropout;
    this.dropoutKey = dropoutKey;
    starts = new int[seqs.size() + 1];
    for (int s = 0; s < seqs.size(); s++) {
      starts[s + 1] = starts[s] + seqs.get(s).length();
    }
    rows = starts[seqs.size()];
    tokens = new int[rows];
    positions = new int[rows];
    negPositions = new int[rows];
    for (int s = 0; s < seqs.size(); s++) {
      int[] t = seqs.get(s).tokens();
      System.arraycopy(t, 0, tokens, starts[s], t.length);
      for (int i = 0; i < t.length; i++) {
        positions[starts[s] + i] = i;
        negPositions[starts[s] + i] = -i;
      }
    }
  }
}
