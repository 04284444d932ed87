package io.lorafleet.operator.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects every log line the operator writes while a test runs, to scan them for secrets. Lines
 * are formatted the way a log handler prints them: JUL's {0}-style parameters by {@link
 * Formatter#formatMessage}, printf-style ones by {@link String#format}, plus the thrown exception
 * and its causes.
 */
public final class LogCapture extends Handler implements AutoCloseable {
  private static final Formatter FORMAT =
      new Formatter() {
        @Override
        public String format(LogRecord record) {
          return formatMessage(record);
        }
      };

  private final List<String> lines = new CopyOnWriteArrayList<>();

  public static LogCapture install() {
    LogCapture capture = new LogCapture();
    Logger.getLogger("").addHandler(capture);
    return capture;
  }

  /** The text a handler would print for a record (its message with parameters, and any cause). */
  static String render(LogRecord record) {
    String message = FORMAT.formatMessage(record);
    Object[] parameters = record.getParameters();
    if (parameters != null && parameters.length > 0 && message != null && message.contains("%")) {
      // A printf-style record that reached JUL unformatted: format it as JBoss Logging would.
      try {
        message = String.format(message, parameters);
      } catch (RuntimeException e) {
        message = message + " " + java.util.Arrays.toString(parameters);
      }
    }
    StringBuilder line = new StringBuilder(String.valueOf(message));
    for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
      line.append(" ").append(t);
      if (t.getCause() == t) {
        break;
      }
    }
    return line.toString();
  }

  @Override
  public void publish(LogRecord record) {
    lines.add(render(record));
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    Logger.getLogger("").removeHandler(this);
  }
}
