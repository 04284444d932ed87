package io.lorafleet.operator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.operator.testing.kubelet.LocalImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Adapters trained by the real trainer ({@code trainer train} on the reactor's trainer jar, as a
 * child process) on the tiny test model, on this machine: full-batch steps at a constant learning
 * rate, so one seed and one dataset give one trajectory, and more steps continue it.
 */
final class TrainedAdapters {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainedAdapters() {}

  /** JSONL of prompt/completion rows. */
  static String jsonl(List<String[]> rows) throws IOException {
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      out.append(JSON.writeValueAsString(Map.of("prompt", row[0], "completion", row[1])))
          .append('\n');
    }
    return out.toString();
  }

  /** Trains {@code steps} steps on {@code rows}; the published version directory (local). */
  static Path train(Path model, Path work, String name, List<String[]> rows, int steps, long seed)
      throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve(name));
    Path data = Files.writeString(dir.resolve("data.jsonl"), jsonl(rows));
    Map<String, Object> config =
        Map.of(
            "schemaVersion",
            1,
            "run",
            Map.of(
                "namespace",
                "test",
                "name",
                name,
                "uid",
                name,
                "directory",
                dir.resolve("run").toString()),
            "baseModel",
            Map.of("uri", model.toString()),
            "dataset",
            Map.of("uri", data.toString(), "validationSplit", 0.0, "maxInvalidFraction", 0.0),
            "lora",
            Map.of(
                "rank",
                8,
                "alpha",
                16.0,
                "dropout",
                0.0,
                "targetModules",
                List.of(
                    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")),
            "training",
            Map.of(
                "maxSteps",
                steps,
                "learningRate",
                5e-3,
                "schedule",
                "constant",
                "batchSize",
                rows.size(),
                "maxSequenceLength",
                64,
                "seed",
                seed,
                "checkpointInterval",
                10_000),
            "output",
            Map.of("adapterName", name, "versionsUri", dir.resolve("versions").toString()));
    Path file = dir.resolve("trainer.json");
    JSON.writeValue(file.toFile(), config);
    List<String> command = new ArrayList<>(LocalImages.trainer());
    command.add(1, "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")));
    command.addAll(List.of("train", "--config", file.toString()));
    Path log = dir.resolve("train.log");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "training " + name + " failed; its log:\n" + Files.readString(log));
    }
    JsonNode result = JSON.readTree(dir.resolve("run").resolve("result.json").toFile());
    System.out.printf(
        "TrainedAdapters: %s, %d steps: %s%n", name, steps, result.path("metrics").toString());
    // The one version published under the local versionsUri (its result.json names it as a
    // place of the trainer's local store, not as a path).
    try (var versions = Files.list(dir.resolve("versions"))) {
      return versions
          .filter(v -> v.getFileName().toString().startsWith("sha256-"))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException(name + ": no version published"));
    }
  }
}
