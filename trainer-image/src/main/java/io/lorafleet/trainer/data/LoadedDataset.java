package io.lorafleet.trainer.data;

import io.lorafleet.trainer.TrainerFailure;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A dataset as read: valid examples in file order, invalid lines, how many records (non-blank
 * lines) there were, and the dataset's digest ("sha256:...").
 */
public record LoadedDataset(
    List<Example> examples, List<InvalidLine> invalid, long records, String digest, int files) {
  public static final String INVALID = "InvalidDataset";
  static final int QUOTED = 5;

  public LoadedDataset {
    examples = List.copyOf(examples);
    invalid = List.copyOf(invalid);
  }

  /**
   * The counts, invalid lines and digest without the examples, for a run that has moved them into
   * its {@link DataSplit} (which holds only the held-out lines' text).
   */
  public LoadedDataset withoutExamples() {
    return new LoadedDataset(List.of(), invalid, records, digest, files);
  }

  /**
   * Fails when more than {@code maxInvalidFraction} of the records are invalid, or none is valid,
   * with the count and the first lines in the message (result.json's reason: InvalidDataset).
   */
  public void check(double maxInvalidFraction) throws TrainerFailure {
    if (records == 0) {
      throw TrainerFailure.badInput(INVALID, "the dataset has no records (only blank lines)");
    }
    double fraction = (double) invalid.size() / records;
    if (fraction > maxInvalidFraction || examples.isEmpty()) {
      throw TrainerFailure.badInput(
          INVALID,
          String.format(
                  Locale.ROOT,
                  "%d of %d lines invalid (%.1f%% > %s%%); ",
                  invalid.size(),
                  records,
                  100 * fraction,
                  percent(maxInvalidFraction))
              + firstInvalid());
    }
  }

  /** "first: a.jsonl:3: missing \"completion\"; a.jsonl:9: ..." for the first few. */
  public String firstInvalid() {
    if (invalid.isEmpty()) {
      return "no invalid lines";
    }
    String s =
        invalid.stream().limit(QUOTED).map(InvalidLine::toString).collect(Collectors.joining("; "));
    return "first: " + s + (invalid.size() > QUOTED ? "; ..." : "");
  }

  private static String percent(double fraction) {
    String s = String.format(Locale.ROOT, "%.4f", 100 * fraction);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
