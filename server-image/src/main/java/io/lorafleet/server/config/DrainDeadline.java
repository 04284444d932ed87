package io.lorafleet.server.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The one SIGTERM deadline: running requests get {@code --drain-timeout} from the signal, then
 * whatever is left is cut (streams end with an error event and {@code [DONE]}, whole answers get
 * 503) and the cut answers get {@link #WRITE_GRACE} to be written before Quarkus closes the
 * connections. Quarkus' own graceful wait ({@code quarkus.shutdown.timeout}) is set to the sum, so
 * it ends when the cut answers are out, not one drain timeout later.
 *
 * <p>The default (25 s + 2 s) fits Kubernetes' default {@code terminationGracePeriodSeconds} of 30
 * s, with a second for the JVM to exit.
 */
public final class DrainDeadline {
  /** Default {@code --drain-timeout}. */
  public static final Duration DEFAULT = Duration.ofSeconds(25);

  /** Time for the answers cut at the deadline to be written before connections close. */
  public static final Duration WRITE_GRACE = Duration.ofSeconds(2);

  private DrainDeadline() {}

  /**
   * A duration as Quarkus reads one: a number of seconds ({@code 30}), a number with {@code ms},
   * {@code s}, {@code m}, {@code h} ({@code 500ms}, {@code 30s}), or ISO-8601 ({@code PT30S}).
   */
  public static Duration parse(String value) {
    String v = value.trim().toUpperCase(Locale.ROOT);
    try {
      if (v.matches("\\d+")) {
        return Duration.ofSeconds(Long.parseLong(v));
      }
      if (v.matches("\\d+MS")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      Duration d = Duration.parse(v.startsWith("P") ? v : "PT" + v);
      if (d.isNegative()) {
        throw new IllegalArgumentException("a drain timeout cannot be negative: " + value);
      }
      return d;
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException(
          "not a duration: " + value + " (use 30s, 500ms, 2m or PT30S)", e);
    }
  }

  /** Quarkus' graceful-shutdown wait for a drain timeout: the drain plus the write grace. */
  public static String quarkusShutdownTimeout(Duration drain) {
    return drain.plus(WRITE_GRACE).toMillis() + "ms";
  }
}
