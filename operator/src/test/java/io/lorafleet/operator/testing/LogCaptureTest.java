package io.lorafleet.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The capture sees what a log handler prints, whichever parameter style the caller used. */
class LogCaptureTest {
  private static LogRecord record(String message, Object... parameters) {
    LogRecord record = new LogRecord(Level.INFO, message);
    record.setParameters(parameters);
    return record;
  }

  @Test
  void formatsJulMessageFormatParameters() {
    assertThat(LogCapture.render(record("store at {0}, key {1}", "http://s3", "secret-1")))
        .isEqualTo("store at http://s3, key secret-1");
  }

  @Test
  void formatsPrintfParameters() {
    assertThat(LogCapture.render(record("event %s on %s", "Placed", "secret-2")))
        .isEqualTo("event Placed on secret-2");
  }

  @Test
  void keepsParametersThatDoNotFitTheFormat() {
    assertThat(LogCapture.render(record("100% of %d", "secret-3"))).contains("secret-3");
  }

  @Test
  void includesTheThrownExceptionAndItsCauses() {
    LogRecord record = record("failed");
    record.setThrown(new IllegalStateException("outer", new IOException("inner secret-4")));
    assertThat(LogCapture.render(record)).contains("outer").contains("inner secret-4");
  }
}
