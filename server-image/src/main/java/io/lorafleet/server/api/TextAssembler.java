package io.lorafleet.server.api;

import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.util.List;

/**
 * Turns generated tokens into text increments: decodes the whole output each time (so multi-byte
 * characters split across tokens come out whole), holds back text that might be the start of a stop
 * string, and cuts the output at the first stop string.
 */
final class TextAssembler {
  private final HfTokenizer tokenizer;
  private final List<String> stops;
  private int[] ids = new int[16];
  private int count;
  private String full = "";
  private int sent;
  private boolean stopped;

  TextAssembler(HfTokenizer tokenizer, List<String> stops) {
    this.tokenizer = tokenizer;
    this.stops = stops;
  }

  /** Adds a token; returns the text that can be sent now (possibly empty). */
  String add(int token) {
    if (count == ids.length) {
      ids = java.util.Arrays.copyOf(ids, count * 2);
    }
    ids[count++] = token;
    String text = tokenizer.decode(java.util.Arrays.copyOf(ids, count), true);
    if (text.endsWith("\uFFFD")) {
      return ""; // an incomplete UTF-8 sequence; the next token completes it
    }
    full = text;
    int cut = -1;
    for (String s : stops) {
      int i = full.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) {
        cut = i;
      }
    }
    if (cut >= 0) {
      stopped = true;
      full = full.substring(0, cut);
      return take(full.length());
    }
    int hold = 0;
    for (String s : stops) {
      for (int k = Math.min(s.length() - 1, full.length()); k > hold; k--) {
        if (full.endsWith(s.substring(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return take(full.length() - hold);
  }

  /** True once a stop string matched: generation should end. */
  boolean stopped() {
    return stopped;
  }

  /** The text not sent yet, at the end of generation. */
  String flush() {
    return take(full.length());
  }

  /** All text so far (up to a stop string). */
  String text() {
    return full;
  }

  private String take(int end) {
    if (end <= sent) {
      return "";
    }
    String delta = full.substring(sent, end);
    sent = end;
    return delta;
  }
}
