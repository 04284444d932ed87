package io.lorafleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code lorafleet eval} through the real command line: the table on stdout, the JSON result, the
 * exit code that matches the verdict, and bad options as bad input. (The metrics and gates
 * themselves are tested with trained adapters in the trainer image's EvalRunTest.)
 */
class EvalCommandTest {
  private static final JsonMapper JSON = new JsonMapper();

  @TempDir Path dir;

  record Run(int exit, String stdout, String stderr) {}

  private static Run lorafleet(String... args) {
    CommandLine cl = Lorafleet.commandLine(Map.of());
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = cl.execute(args);
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void printsTheTableWritesTheResultAndExitsWithTheVerdict() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    Path adapter = Files.createDirectories(dir.resolve("adapter"));
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(4, 8, List.of("q_proj", "v_proj"), 3),
        ModelLoader.config(model),
        adapter);
    Path data =
        Files.writeString(
            dir.resolve("eval.jsonl"),
            "{\"prompt\":\"abc=\",\"completion\":\"cba\"}\n{\"prompt\":\"xy=\",\"completion\":\"yx\"}\n");
    Path result = dir.resolve("result.json");

    Run r =
        lorafleet(
            "eval",
            "--model",
            model.toString(),
            "--candidate",
            adapter.toString(),
            "--stable",
            adapter.toString(),
            "--dataset",
            data.toString(),
            "--output",
            result.toString(),
            "--work-dir",
            dir.resolve("work").toString());

    JsonNode json = JSON.readTree(result.toFile());
    assertThat(r.stdout()).contains("model", "base", "stable", "candidate", "gate lossVsStable");
    // The same adapter as stable and candidate: every relative gate passes with equal numbers.
    for (JsonNode gate : json.path("gates")) {
      if (gate.path("against").asText().equals("stable")) {
        assertThat(gate.path("passed").asBoolean()).as(gate.toString()).isTrue();
        assertThat(gate.path("candidate").asDouble()).isEqualTo(gate.path("reference").asDouble());
      }
    }
    assertThat(r.exit()).isEqualTo(json.path("passed").asBoolean() ? 0 : 3);
    assertThat(r.stdout())
        .contains(json.path("passed").asBoolean() ? "evaluation passed" : "evaluation FAILED");
  }

  @Test
  void anUnknownMatchModeIsBadInput() {
    Run r =
        lorafleet(
            "eval", "--model", "m", "--candidate", "c", "--dataset", "d.jsonl", "--match", "fuzzy");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr()).contains("--match must be substring or regex, not fuzzy");
  }
}
