package io.lorafleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local main job runs end to end and each batched row equals the same row alone. */
class DemoCommandTest {
  @Test
  void runsEndToEndOnEmbeddedStorage(@TempDir Path dataDir) {
    StringWriter out = new StringWriter();
    var cli = Lorafleet.commandLine(Map.of());
    cli.setOut(new PrintWriter(out, true));
    int exit =
        cli.execute(
            "demo", "--data-dir", dataDir.toString(), "--adapters", "2", "--max-tokens", "6");
    assertThat(exit).as(out.toString()).isZero();
    assertThat(out.toString())
        .contains("2/6 model LlamaForCausalLM")
        .contains("3/6 adapter-1 (rank 8) compatible")
        .contains("4/6 model and 2 adapters fetched back by digest")
        .contains("6/6 each row run alone gives the same tokens: 3/3 rows identical");
    // What was published is really in the embedded store's files, content-addressed.
    assertThat(Files.exists(dataDir.resolve("s3"))).isTrue();
  }
}
