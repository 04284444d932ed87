package io.lorafleet.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The demo's synthetic task, one a random base model cannot do: reverse 3 to 6 distinct letters
 * ("bcf=" answers "fcb"). Held-out words never appear in the training data.
 */
final class ReverseTask {
  /**
   * Letters no two of which the generated test tokenizer merges (it has "al", "th", "or", ...), so
   * each letter is one token and the task is the same in every word.
   */
  static final String LETTERS = "bcfghjkmpvwy";

  private final List<String> heldOut = new ArrayList<>();
  private final Set<String> heldOutSet = new HashSet<>();
  private final SplittableRandom random;

  ReverseTask(long seed, int heldOutCount) {
    this.random = new SplittableRandom(seed);
    while (heldOut.size() < heldOutCount) {
      String w = word();
      if (heldOutSet.add(w)) {
        heldOut.add(w);
      }
    }
  }

  static String prompt(String word) {
    return word + "=";
  }

  static String answer(String word) {
    return new StringBuilder(word).reverse().toString();
  }

  List<String> heldOut() {
    return heldOut;
  }

  /** {@code rows} prompt-completion records, none of them a held-out word. */
  String trainingJsonl(int rows) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < rows; ) {
      String w = word();
      if (heldOutSet.contains(w)) {
        continue;
      }
      out.append("{\"prompt\":\"")
          .append(prompt(w))
          .append("\",\"completion\":\"")
          .append(answer(w))
          .append("\"}\n");
      i++;
    }
    return out.toString();
  }

  private String word() {
    List<Character> pool = new ArrayList<>();
    for (char c : LETTERS.toCharArray()) {
      pool.add(c);
    }
    int n = 3 + random.nextInt(4);
    StringBuilder w = new StringBuilder();
    for (int i = 0; i < n; i++) {
      w.append(pool.remove(random.nextInt(pool.size())));
    }
    return w.toString();
  }
}
