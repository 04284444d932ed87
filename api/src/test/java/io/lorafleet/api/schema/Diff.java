package io.lorafleet.api.schema;

/** The first differing line of two texts, with context, for drift messages. */
final class Diff {
  private Diff() {}

  /** Null when equal. */
  static String firstDifference(String expected, String actual) {
    if (expected.equals(actual)) {
      return null;
    }
    String[] a = expected.split("\n", -1);
    String[] b = actual.split("\n", -1);
    int line = 0;
    while (line < a.length && line < b.length && a[line].equals(b[line])) {
      line++;
    }
    return "line %d%n  committed: %s%n  generated: %s"
        .formatted(
            line + 1,
            line < a.length ? a[line] : "<end of file>",
            line < b.length ? b[line] : "<end of file>");
  }
}
