package io.lorafleet.operator.loraadapter.rollout;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Kubernetes users write them (Go's syntax): 30s, 5m, 1h30m, 500ms. */
public final class GoDurations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private GoDurations() {}

  /** The duration, or an InvalidDurationException naming the text when it is not one. */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidDurationException("empty duration");
    }
    Matcher part = PART.matcher(text);
    int at = 0;
    double nanos = 0;
    while (at < text.length()) {
      if (!part.find(at) || part.start() != at) {
        throw new InvalidDurationException(
            "'" + text + "' is not a duration (write e.g. 30s, 5m or 1h30m)");
      }
      double value = Double.parseDouble(part.group(1));
      nanos +=
          value
              * switch (part.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
              };
      at = part.end();
    }
    return Duration.ofNanos((long) nanos);
  }
}
