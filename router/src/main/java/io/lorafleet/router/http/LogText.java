package io.lorafleet.router.http;

/**
 * Text from outside (a client's model name, a pod's answer or error message) made safe for one log
 * line: control characters, quotes and backslashes escaped, so it can neither end the line and
 * forge another nor close the {@code msg="..."} field early; cut at 200 characters.
 */
public final class LogText {
  private static final int MAX = 200;

  private LogText() {}

  public static String of(Object value) {
    String s = String.valueOf(value);
    StringBuilder out = new StringBuilder(Math.min(s.length(), MAX) + 8);
    for (int i = 0; i < s.length(); i++) {
      if (out.length() >= MAX) {
        return out.append("...").toString();
      }
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
