package io.lorafleet.artifacts.peft;

import java.util.regex.Pattern;

/**
 * Matches user-supplied regexes (PEFT's {@code target_modules}, pattern keys) with a budget on
 * character reads, so a catastrophic-backtracking pattern in an uploaded adapter config cannot hang
 * the operator: it fails with an {@link AdapterConfigException} instead.
 */
final class BoundedRegex {
  static final int MAX_PATTERN_LENGTH = 1_000;
  private static final long MAX_CHAR_READS = 1_000_000;

  private BoundedRegex() {}

  static boolean fullMatch(Pattern pattern, String input) {
    try {
      return pattern.matcher(new Budget(input, new long[] {MAX_CHAR_READS})).matches();
    } catch (BudgetExceeded e) {
      throw new AdapterConfigException(
          "regular expression '"
              + pattern.pattern()
              + "' is too expensive to match against "
              + input
              + " (catastrophic backtracking?)");
    } catch (StackOverflowError e) {
      throw new AdapterConfigException(
          "regular expression '" + pattern.pattern() + "' is too deeply recursive to match");
    }
  }

  private static final class BudgetExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BudgetExceeded() {
      super(null, null, false, false);
    }
  }

  /** A CharSequence that counts reads across all views handed to the regex engine. */
  private record Budget(String s, long[] left) implements CharSequence {
    @Override
    public char charAt(int index) {
      if (--left[0] < 0) {
        throw new BudgetExceeded();
      }
      return s.charAt(index);
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Budget(s.substring(start, end), left);
    }

    @Override
    public String toString() {
      return s;
    }
  }
}
