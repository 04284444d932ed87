package io.lorafleet.engine.backend.cpu;

import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.StepInputs;

/** A step's inputs on the CPU backend: the host arrays themselves, nothing copied. */
final class CpuStep implements StepInputs {
  final int[] tokens;
  final AttentionLayout layout;
  final int[] slotOfRow;
  final int[] logitRows;
  final int[] logitSlots;
  final boolean decode;
  final AdapterGroups groups;

  CpuStep(int[] tokens, AttentionLayout layout, int[] slotOfRow, int[] logitRows, boolean decode) {
    if (tokens.length != layout.rows() || slotOfRow.length != tokens.length) {
      throw new IllegalArgumentException("tokens, layout and slots disagree on the row count");
    }
    this.tokens = tokens;
    this.layout = layout;
    this.slotOfRow = slotOfRow;
    this.logitRows = logitRows;
    this.logitSlots = new int[logitRows.length];
    for (int i = 0; i < logitRows.length; i++) {
      logitSlots[i] = slotOfRow[logitRows[i]];
    }
    this.decode = decode;
    this.groups = decode ? null : AdapterGroups.of(slotOfRow);
  }

  @Override
  public int rows() {
    return tokens.length;
  }

  @Override
  public int logitRows() {
    return logitRows.length;
  }

  @Override
  public boolean decode() {
    return decode;
  }
}
