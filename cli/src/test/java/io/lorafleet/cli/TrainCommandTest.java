package io.lorafleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code lorafleet train --config FILE} through the real command line ({@link
 * Lorafleet#commandLine}): a generated model, local JSONL data, local output, a few steps.
 */
class TrainCommandTest {
  private static final JsonMapper JSON = new JsonMapper();

  @TempDir Path dir;

  record Run(int exit, String out, String err, String stderr) {}

  /** Runs the command line; {@code stderr} is what went to System.err (the progress bar). */
  private static Run lorafleet(String... args) {
    CommandLine cl = Lorafleet.commandLine(Map.of());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = cl.execute(args);
    } finally {
      System.setErr(saved);
    }
    return new Run(exit, out.toString(), err.toString(), captured.toString(StandardCharsets.UTF_8));
  }

  private Path config(String lora) throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    StringBuilder data = new StringBuilder();
    for (String w : List.of("bcf", "ghj", "kmp", "vwy", "bgk", "cfh", "jmv", "pwy", "bhm", "cjp")) {
      data.append(
              JSON.writeValueAsString(
                  Map.of("prompt", w + "=", "completion", new StringBuilder(w).reverse())))
          .append('\n');
    }
    Files.writeString(dir.resolve("train.jsonl"), data.toString());
    Path config = dir.resolve("trainer.yaml");
    Files.writeString(
        config,
        """
        schemaVersion: 1
        run: {name: laptop, directory: %s}
        baseModel: {uri: %s}
        dataset: {uri: %s, format: prompt-completion, validationSplit: 0.2}
        lora: %s
        training: {maxSteps: 3, batchSize: 2, learningRate: 0.01, checkpointInterval: 2, maxSequenceLength: 32}
        output: {versionsUri: %s}
        """
            .formatted(
                dir.resolve("run"),
                model,
                dir.resolve("train.jsonl"),
                lora,
                dir.resolve("adapters")));
    return config;
  }

  @Test
  void trainsAFewStepsWithAProgressBarAndWritesAnAdapter() throws Exception {
    Path config = config("{rank: 2, alpha: 4.0, targetModules: [q_proj, v_proj]}");

    Run r =
        lorafleet(
            "train", "--config", config.toString(), "--work-dir", dir.resolve("work").toString());

    assertThat(r.exit()).as(r.err() + r.stderr()).isZero();
    JsonNode result = JSON.readTree(dir.resolve("run/result.json").toFile());
    assertThat(result.path("status").asText()).isEqualTo("succeeded");
    assertThat(result.at("/metrics/steps").asLong()).isEqualTo(3);
    Path version;
    try (Stream<Path> s = Files.list(dir.resolve("adapters"))) {
      version =
          s.filter(p -> p.getFileName().toString().startsWith("sha256-")).findFirst().orElseThrow();
    }
    assertThat(version.resolve("manifest.json")).exists();
    assertThat(PeftAdapterReader.read(version).config().r()).isEqualTo(2);
    // The bar is redrawn in place ("\r") after every step and ends with the last step.
    assertThat(r.stderr()).contains("\r[").containsPattern("\\] 3/3  loss \\d+\\.\\d{4}  eval ");
    assertThat(r.stderr()).containsPattern("\\] 1/3  loss ");
  }

  @Test
  void withoutConfigItIsAUsageError() {
    Run r = lorafleet("train");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--config");
  }
}
