package io.lorafleet.router.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every log record published while open (JBoss LogManager delivers to JUL root handlers). */
public final class LogCapture extends Handler implements AutoCloseable {
  public final List<LogRecord> records = new CopyOnWriteArrayList<>();

  public LogCapture() {
    Logger.getLogger("").addHandler(this);
  }

  @Override
  public void publish(LogRecord r) {
    records.add(r);
  }

  /** The formatted message of each record. */
  public List<String> messages() {
    return records.stream()
        .map(
            r ->
                r instanceof org.jboss.logmanager.ExtLogRecord e
                    ? e.getFormattedMessage()
                    : String.valueOf(r.getMessage()))
        .toList();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    Logger.getLogger("").removeHandler(this);
  }
}
