package io.lorafleet.router.proxy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches an SSE stream as it passes through, without changing it: counts the text increments (one
 * per generated token, except where the server merges tokens that end inside a UTF-8 character),
 * takes {@code usage.completion_tokens} when the stream carries it, and knows whether the bytes so
 * far end on an event boundary (so an error event can be appended cleanly).
 */
final class SseScanner {
  private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");
  private static final int MAX_LINE = 1 << 16;

  private final StringBuilder line = new StringBuilder();
  private long increments;
  private long usageTokens = -1;
  private boolean done;
  private int trailingNewlines = 2; // nothing written yet: a boundary

  void feed(Buffer buf) {
    byte[] bytes = buf.getBytes();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        appendLine(bytes, start, i);
        endLine();
        start = i + 1;
        trailingNewlines++;
      } else if (bytes[i] != '\r') {
        trailingNewlines = 0;
      }
    }
    appendLine(bytes, start, bytes.length);
  }

  /** Generated tokens: the usage chunk's count when there was one, else the text increments. */
  long tokens() {
    return usageTokens >= 0 ? usageTokens : increments;
  }

  boolean done() {
    return done;
  }

  /** True when the bytes so far end with a blank line (or nothing was written). */
  boolean atBoundary() {
    return trailingNewlines >= 2;
  }

  private void appendLine(byte[] bytes, int from, int to) {
    if (to > from && line.length() < MAX_LINE) {
      line.append(new String(bytes, from, to - from, StandardCharsets.UTF_8));
    }
  }

  private void endLine() {
    String l = line.toString();
    line.setLength(0);
    if (!l.startsWith("data: ")) {
      return;
    }
    if (l.equals("data: [DONE]")) {
      done = true;
      return;
    }
    if (l.contains("\"usage\":{")) {
      Matcher m = COMPLETION_TOKENS.matcher(l);
      if (m.find()) {
        usageTokens = Long.parseLong(m.group(1));
      }
    }
    if ((l.contains("\"text\":\"") && !l.contains("\"text\":\"\""))
        || (l.contains("\"content\":\"") && !l.contains("\"content\":\"\""))) {
      increments++;
    }
  }
}
