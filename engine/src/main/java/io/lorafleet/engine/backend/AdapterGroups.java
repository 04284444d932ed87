package io.lorafleet.engine.backend;

import java.util.Arrays;

/**
 * Which adapter slot each row of a flattened batch uses, in the sorted-token form of vLLM's LoRA
 * kernels: {@code tokIdxSorted} lists the rows grouped by slot, group {@code k} (slot {@code
 * slotIds[k]}) owns {@code tokIdxSorted[slotStart[k] .. slotStart[k+1])}. Slot -1 means no adapter;
 * its rows are not listed, so kernels skip them without a test per row.
 */
public record AdapterGroups(
    int tokens, int[] slotOfRow, int[] tokIdxSorted, int[] slotStart, int[] slotIds) {

  /** Groups rows by slot (stable: rows keep their order inside a group). */
  public static AdapterGroups of(int[] slotOfRow) {
    int max = -1;
    for (int s : slotOfRow) {
      if (s < -1) {
        throw new IllegalArgumentException("slot " + s + " is below -1");
      }
      max = Math.max(max, s);
    }
    int[] count = new int[max + 1];
    for (int s : slotOfRow) {
      if (s >= 0) {
        count[s]++;
      }
    }
    int groups = 0;
    for (int c : count) {
      groups += c > 0 ? 1 : 0;
    }
    int[] slotIds = new int[groups];
    int[] slotStart = new int[groups + 1];
    int[] first = new int[max + 1];
    int g = 0;
    int at = 0;
    for (int s = 0; s <= max; s++) {
      if (count[s] > 0) {
        slotIds[g] = s;
        slotStart[g] = at;
        first[s] = at;
        at += count[s];
        g++;
      }
    }
    slotStart[groups] = at;
    int[] sorted = new int[at];
    for (int row = 0; row < slotOfRow.length; row++) {
      int s = slotOfRow[row];
      if (s >= 0) {
        sorted[first[s]++] = row;
      }
    }
    return new AdapterGroups(slotOfRow.length, slotOfRow.clone(), sorted, slotStart, slotIds);
  }

  /** Rows that use some adapter. */
  public int adaptedRows() {
    return tokIdxSorted.length;
  }

  public boolean isEmpty() {
    return tokIdxSorted.length == 0;
  }

  @Override
  public String toString() {
    return "AdapterGroups[slots="
        + Arrays.toString(slotIds)
        + ", starts="
        + Arrays.toString(slotStart)
        + "]";
  }
}
