package io.lorafleet.engine.model;

import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.AttentionLayout;

/**
 * One forward step over a flattened batch: token ids, where each row sits (sequence, position,
 * block tables), which adapter slot each row uses (-1 = base model), and which rows need logits.
 * {@code decode} means one row per sequence, which selects the gather (BGMV) LoRA kernels.
 */
public record ForwardBatch(
    int[] tokens, AttentionLayout layout, int[] slotOfRow, int[] logitRows, boolean decode) {

  public ForwardBatch {
    if (tokens.length != layout.rows() || slotOfRow.length != tokens.length) {
      throw new IllegalArgumentException("tokens, layout and slots disagree on the row count");
    }
  }

  public int rows() {
    return tokens.length;
  }

  public AdapterGroups groups() {
    return AdapterGroups.of(slotOfRow);
  }
}
