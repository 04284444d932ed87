package io.lorafleet.kernels;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A device's live allocations by base address, so copies and frees are checked: a range must lie
 * inside one allocation, and only allocated bases can be freed. {@code H} is the device's handle
 * for the allocation (an arena, a {@code CUdeviceptr}).
 */
final class Allocations<H> {
  /** An allocation that holds a checked range. */
  record Hit<H>(long base, H handle) {}

  private record Entry<H>(long bytes, H handle) {}

  private final NavigableMap<Long, Entry<H>> byBase = new TreeMap<>();

  synchronized void add(long base, long bytes, H handle) {
    byBase.put(base, new Entry<>(bytes, handle));
  }

  /** Removes the allocation at {@code base} and returns its handle. */
  synchronized H remove(long base) {
    Entry<H> e = byBase.remove(base);
    if (e == null) {
      throw new IllegalArgumentException("free of a pointer that was not allocated: " + base);
    }
    return e.handle();
  }

  /** The allocation holding {@code [pointer, pointer + bytes)}. */
  synchronized Hit<H> find(long pointer, long bytes) {
    Map.Entry<Long, Entry<H>> e = byBase.floorEntry(pointer);
    if (e == null || bytes < 0 || pointer + bytes > e.getKey() + e.getValue().bytes()) {
      throw new IndexOutOfBoundsException(
          "device range [" + pointer + ", +" + bytes + ") is outside every allocation");
    }
    return new Hit<>(e.getKey(), e.getValue().handle());
  }

  /** Removes every allocation and returns their handles. */
  synchronized Iterable<H> clear() {
    var handles = byBase.values().stream().map(Entry::handle).toList();
    byBase.clear();
    return handles;
  }
}
