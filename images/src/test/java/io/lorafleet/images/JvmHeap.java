package io.lorafleet.images;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM's own report of its container memory and maximum heap, from {@code -Xlog:gc+init} (set
 * through JAVA_TOOL_OPTIONS, so the image's entry point and flags stay as they are).
 */
final class JvmHeap {
  static final String LOG_OPTION = "JAVA_TOOL_OPTIONS=-Xlog:gc+init";
  private static final Pattern MAX_HEAP = Pattern.compile("Heap Max Capacity: (\\d+)([KMG])");
  private static final Pattern MEMORY = Pattern.compile("\\[gc,init\\] Memory: (\\d+)([KMG])");

  private JvmHeap() {}

  static OptionalLong maxHeapMiB(String log) {
    return mib(MAX_HEAP.matcher(log));
  }

  static OptionalLong memoryMiB(String log) {
    return mib(MEMORY.matcher(log));
  }

  private static OptionalLong mib(Matcher m) {
    if (!m.find()) {
      return OptionalLong.empty();
    }
    long v = Long.parseLong(m.group(1));
    return OptionalLong.of(
        switch (m.group(2)) {
          case "K" -> v / 1024;
          case "G" -> v * 1024;
          default -> v;
        });
  }
}
