package io.lorafleet.operator.e2e;

import java.util.SplittableRandom;

/** The walk-through's task: reverse a short word ("abc=" -> "cba"), which a random base cannot. */
final class ReverseWordsDataset {
  private ReverseWordsDataset() {}

  static String jsonl(int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      String word = word(random);
      out.append("{\"prompt\":\"")
          .append(word)
          .append("=\",\"completion\":\"")
          .append(new StringBuilder(word).reverse())
          .append("\"}\n");
    }
    return out.toString();
  }

  private static String word(SplittableRandom random) {
    int length = 3 + random.nextInt(3);
    StringBuilder w = new StringBuilder();
    for (int i = 0; i < length; i++) {
      w.append((char) ('a' + random.nextInt(26)));
    }
    return w.toString();
  }
}
