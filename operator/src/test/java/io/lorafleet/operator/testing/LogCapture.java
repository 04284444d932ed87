package io.lorafleet.operator.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects every log line the operator writes while a test runs, to scan them for secrets. */
public final class LogCapture extends Handler implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();

  public static LogCapture install() {
    LogCapture capture = new LogCapture();
    Logger.getLogger("").addHandler(capture);
    return capture;
  }

  @Override
  public void publish(LogRecord record) {
    String message = record.getMessage();
    if (record.getParameters() != null && message != null) {
      try {
        message = String.format(message, record.getParameters());
      } catch (RuntimeException e) {
        message = message + " " + List.of(record.getParameters());
      }
    }
    lines.add(message + (record.getThrown() == null ? "" : " " + record.getThrown()));
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
