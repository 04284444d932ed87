package io.lorafleet.engine.testmodels;

/**
 * GPT-2's {@code bytes_to_unicode}: printable bytes (33-126, 161-172, 174-255) map to themselves,
 * the other 68 to U+0100 onwards in byte order, so every byte is a visible character (space is
 * {@code Ġ}).
 */
final class ByteLevelAlphabet {
  private static final char[] CHARS = build();

  private ByteLevelAlphabet() {}

  private static char[] build() {
    char[] c = new char[256];
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      c[b] = printable ? (char) b : (char) (256 + next++);
    }
    return c;
  }

  static char of(int b) {
    return CHARS[b & 0xff];
  }

  static String encode(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      sb.append(of(b));
    }
    return sb.toString();
  }
}
