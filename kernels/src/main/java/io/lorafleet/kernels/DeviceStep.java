package io.lorafleet.kernels;

import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.StepInputs;

/**
 * One step's inputs on the device: every integer the kernels read (token ids, positions, sequence
 * of each row, cache slot of each row, adapter slot of each row, block tables, logit rows and their
 * slots, the rows grouped by adapter) packed into one int buffer, copied in one transfer; the
 * fields are device pointers into that buffer. The host keeps the token ids to check them against
 * the vocabulary and the scalars that size the launches.
 */
record DeviceStep(
    int[] hostTokens,
    int rows,
    int logitRows,
    boolean decode,
    int blockSize,
    int maxLen,
    int maxBlocks,
    int maxSlot,
    int maxLogitSlot,
    int groups,
    int maxGroupRows,
    long tokens,
    long positions,
    long seqOfRow,
    long slotMapping,
    long slotOfRow,
    long blockTables,
    long logitRowIds,
    long logitSlots,
    long tokIdxSorted,
    long slotStart,
    long slotIds)
    implements StepInputs {

  /** The packed ints and where each section starts; {@link #at} places them at a device address. */
  record Packed(int[] ints, int[] starts, DeviceStep shape) {
    DeviceStep at(long base) {
      long[] p = new long[starts.length];
      for (int i = 0; i < p.length; i++) {
        p[i] = base + 4L * starts[i];
      }
      DeviceStep s = shape;
      return new DeviceStep(
          s.hostTokens,
          s.rows,
          s.logitRows,
          s.decode,
          s.blockSize,
          s.maxLen,
          s.maxBlocks,
          s.maxSlot,
          s.maxLogitSlot,
          s.groups,
          s.maxGroupRows,
          p[0],
          p[1],
          p[2],
          p[3],
          p[4],
          p[5],
          p[6],
          p[7],
          p[8],
          p[9],
          p[10]);
    }
  }

  static Packed pack(
      int[] tokens, AttentionLayout layout, int[] slotOfRow, int[] logitRows, boolean decode) {
    int rows = tokens.length;
    if (layout.rows() != rows || slotOfRow.length != rows) {
      throw new IllegalArgumentException("tokens, layout and slots disagree on the row count");
    }
    int[] slotMapping = new int[rows];
    int maxLen = 0;
    int maxSlot = -1;
    for (int t = 0; t < rows; t++) {
      slotMapping[t] = layout.slot(t);
      maxLen = Math.max(maxLen, layout.positions()[t] + 1);
      maxSlot = Math.max(maxSlot, slotOfRow[t]);
    }
    int[][] tables = layout.blockTables();
    int maxBlocks = 1;
    for (int[] t : tables) {
      maxBlocks = Math.max(maxBlocks, t.length);
    }
    int[] flat = new int[tables.length * maxBlocks];
    for (int s = 0; s < tables.length; s++) {
      System.arraycopy(tables[s], 0, flat, s * maxBlocks, tables[s].length);
    }
    int[] logitSlots = new int[logitRows.length];
    int maxLogitSlot = -1;
    for (int i = 0; i < logitRows.length; i++) {
      logitSlots[i] = slotOfRow[logitRows[i]];
      maxLogitSlot = Math.max(maxLogitSlot, logitSlots[i]);
    }
    AdapterGroups g = decode ? AdapterGroups.of(new int[0]) : AdapterGroups.of(slotOfRow);
    int maxGroup = 0;
    for (int i = 0; i < g.slotIds().length; i++) {
      maxGroup = Math.max(maxGroup, g.slotStart()[i + 1] - g.slotStart()[i]);
    }
    int[][] sections = {
      tokens,
      layout.positions(),
      layout.seqOfRow(),
      slotMapping,
      slotOfRow,
      flat,
      logitRows,
      logitSlots,
      g.tokIdxSorted(),
      g.slotStart(),
      g.slotIds()
    };
    int[] starts = new int[sections.length];
    int n = 0;
    for (int i = 0; i < sections.length; i++) {
      starts[i] = n;
      n += sections[i].length;
    }
    int[] ints = new int[Math.max(1, n)];
    for (int i = 0; i < sections.length; i++) {
      System.arraycopy(sections[i], 0, ints, starts[i], sections[i].length);
    }
    DeviceStep shape =
        new DeviceStep(
            tokens.clone(),
            rows,
            logitRows.length,
            decode,
            layout.blockSize(),
            maxLen,
            maxBlocks,
            maxSlot,
            maxLogitSlot,
            g.slotIds().length,
            maxGroup,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0);
    return new Packed(ints, starts, shape);
  }
}
