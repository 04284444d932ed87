package io.lorafleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command end to end: trains on embedded S3, publishes, starts the real server
 * process, loads the adapter through the admin API, and the adapter does what the base cannot.
 */
class DemoCommandTest {
  @Test
  void trainsPublishesServesAndTheAdapterLearnedTheTask(@TempDir Path dataDir) {
    StringWriter out = new StringWriter();
    var cli = Lorafleet.commandLine(Map.of());
    cli.setOut(new PrintWriter(out, true));
    int exit = cli.execute("demo", "--data-dir", dataDir.toString(), "--no-wait");
    assertThat(exit).as(out.toString()).isZero();
    assertThat(out.toString())
        .contains("1/6 object storage: S3Proxy")
        .containsPattern("published s3://lorafleet/demo/adapters/reverse/sha256-[0-9a-f]{64}/")
        .contains("5/6 adapter 'reverse' loaded through POST /v1/load_lora_adapter");
    Matcher m = Pattern.compile("reversed exactly: adapter (\\d+)/(\\d+)").matcher(out.toString());
    assertThat(m.find()).as(out.toString()).isTrue();
    assertThat(Integer.parseInt(m.group(1)))
        .as("held-out words the adapter reverses exactly")
        .isGreaterThanOrEqualTo(90 * Integer.parseInt(m.group(2)) / 100);
  }
}
