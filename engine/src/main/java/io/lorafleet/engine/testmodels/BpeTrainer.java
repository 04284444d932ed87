package io.lorafleet.engine.testmodels;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns byte-level BPE merges from a text: GPT-2 pre-tokenization, then repeatedly merge the most
 * frequent adjacent pair (ties broken by the pair's text, so the result is deterministic).
 */
final class BpeTrainer {
  /** GPT-2's pre-tokenizer regex; Unicode classes as in the Rust implementation. */
  static final Pattern GPT2_SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  /** Learned merges in rank order, and the vocabulary (256 byte symbols first, then merges). */
  record Result(List<String[]> merges, Map<String, Integer> vocab) {}

  private BpeTrainer() {}

  static Result train(String text, int maxVocab) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(ByteLevelAlphabet.of(b)), b);
    }
    Map<List<String>, Integer> words = new HashMap<>();
    Matcher m = GPT2_SPLIT.matcher(text);
    while (m.find()) {
      String w = ByteLevelAlphabet.encode(m.group().getBytes(StandardCharsets.UTF_8));
      List<String> symbols = new ArrayList<>();
      w.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
      words.merge(symbols, 1, Integer::sum);
    }
    List<String[]> merges = new ArrayList<>();
    while (vocab.size() < maxVocab) {
      String[] best = mostFrequentPair(words);
      if (best == null) {
        break;
      }
      merges.add(best);
      String merged = best[0] + best[1];
      vocab.putIfAbsent(merged, vocab.size());
      words = applyMerge(words, best[0], best[1], merged);
    }
    return new Result(merges, vocab);
  }

  private static String[] mostFrequentPair(Map<List<String>, Integer> words) {
    Map<String, Integer> counts = new HashMap<>();
    Map<String, String[]> pairs = new HashMap<>();
    for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
      List<String> s = e.getKey();
      for (int i = 0; i + 1 < s.size(); i++) {
        String key = s.get(i) + " " + s.get(i + 1);
        counts.merge(key, e.getValue(), Integer::sum);
        pairs.putIfAbsent(key, new String[] {s.get(i), s.get(i + 1)});
      }
    }
    String best = null;
    int bestCount = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      int c = e.getValue();
      if (c > bestCount || (c == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
        best = e.getKey();
        bestCount = c;
      }
    }
    return best == null ? null : pairs.get(best);
  }

  private static Map<List<String>, Integer> applyMerge(
      Map<List<String>, Integer> words, String a, String b, String merged) {
    Map<List<String>, Integer> out = new HashMap<>();
    for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
      List<String> s = e.getKey();
      List<String> n = new ArrayList<>(s.size());
      for (int i = 0; i < s.size(); i++) {
        if (i + 1 < s.size() && s.get(i).equals(a) && s.get(i + 1).equals(b)) {
          n.add(merged);
          i++;
        } else {
          n.add(s.get(i));
        }
      }
      out.merge(n, e.getValue(), Integer::sum);
    }
    return out;
  }
}
