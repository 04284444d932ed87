package io.lorafleet.bench.llamacpp;

import java.util.ArrayList;
import java.util.List;

/**
 * A byte-level GPT-2 vocabulary for a model without a tokenizer: the first 256 tokens are the 256
 * byte symbols (so llama.cpp can tokenize anything, e.g. the newline it looks up at load), the rest
 * unique placeholders. The benchmark feeds token ids, so the strings never matter.
 */
final class PlaceholderVocab {
  private PlaceholderVocab() {}

  static List<String> tokens(int n) {
    if (n < 256) {
      throw new IllegalArgumentException("a byte-level vocabulary needs >= 256 tokens, got " + n);
    }
    List<String> out = new ArrayList<>(n);
    for (int cp : byteSymbols()) {
      out.add(new String(Character.toChars(cp)));
    }
    for (int i = 256; i < n; i++) {
      out.add("<t" + i + ">");
    }
    return out;
  }

  static int[] types(int n) {
    int[] t = new int[n];
    java.util.Arrays.fill(t, 1); // LLAMA_TOKEN_TYPE_NORMAL
    return t;
  }

  /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to 256 + k. */
  private static int[] byteSymbols() {
    int[] cp = new int[256];
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      cp[b] = printable ? b : 256 + extra++;
    }
    return cp;
  }
}
