package io.lorafleet.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.backend.Backends;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.TrainerMain;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.support.TestWorld;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill test: a trainer process is killed with SIGKILL after its first checkpoint, started again
 * on the same run directory, and must publish exactly the bytes an uninterrupted run with the same
 * seed publishes.
 */
class KillResumeTest {
  static final long STEPS = 40;

  static final int INTERVAL = 5;

  @TempDir static Path dir;
  static TestWorld world;

  @BeforeAll
  static void start() throws Exception {
    world = new TestWorld(dir);
    world.putText("s3://data/kill/train.jsonl", TestWorld.reverseDataset(60, 5));
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  static Map<String, Object> training() {
    Map<String, Object> t = new LinkedHashMap<>(TrainJobTest.training(STEPS, INTERVAL));
    t.put("warmupSteps", 3);
    return t;
  }

  /** The trainer as the image runs it: a separate JVM with the same class path and flags. */
  Process startTrainer(Path config, Path log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-modules")
          || arg.startsWith("--enable-native-access")
          || arg.startsWith("-Dai.djl")
          || arg.startsWith("-DDJL_CACHE_DIR")
          || arg.startsWith("-Djava.io.tmpdir")) {
        cmd.add(arg);
      }
    }
    String backend = System.getProperty(Backends.OVERRIDE_PROPERTY);
    if (backend != null) { // the host-device execution: the child trains on the same backend
      cmd.add("-D" + Backends.OVERRIDE_PROPERTY + "=" + backend);
    }
    cmd.addAll(
        List.of(
            "--add-modules=jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED",
            "-Dai.djl.offline=true",
            "-cp",
            System.getProperty("java.class.path"),
            TrainerMain.class.getName(),
            "train",
            "--config",
            config.toString(),
            "--work-dir",
            dir.resolve("child-work").toString(),
            "--progress-interval",
            "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment()
        .put(TrainerMain.TERMINATION_LOG_ENV, dir.resolve("child-termination").toString());
    return pb.start();
  }

  @Test
  void aKilledRunResumesFromItsCheckpointAndPublishesTheSameBytes() throws Exception {
    String run = "s3://adapters/team-a/finetunejobs/killed/uid-killed/";
    Path config =
        world.writeConfig(
            "killed.json",
            world.trainerConfig(
                "killed", "s3://data/kill/train.jsonl", "prompt-completion", training()));
    Path log = dir.resolve("child.log");
    Files.createFile(dir.resolve("child-termination"));

    Process first = startTrainer(config, log);
    // On host-device the trainer's GEMMs and AdamW run in the kernels' CPU emulation (fibers per
    // CUDA thread), several times slower than the CPU backend: the bounds grow with it.
    long slow = "host-device".equals(System.getProperty(Backends.OVERRIDE_PROPERTY)) ? 5 : 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 * slow);
    boolean checkpointed = false;
    while (!checkpointed && first.isAlive() && System.nanoTime() < deadline) {
      checkpointed =
          world.list(run + "checkpoints/").stream()
              .anyMatch(o -> o.key().endsWith("/checkpoint.json"));
      if (!checkpointed) {
        Thread.sleep(10);
      }
    }
    first.destroyForcibly(); // SIGKILL
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(checkpointed).as("a checkpoint appeared; log: %s", log).isTrue();
    assertThat(world.exists(run + "result.json"))
        .as("the first process must be killed before it finishes (make the run longer)")
        .isFalse();
    assertThat(first.exitValue()).isEqualTo(137); // 128 + SIGKILL

    Process second = startTrainer(config, log);
    assertThat(second.waitFor(180 * slow, TimeUnit.SECONDS)).as("log: %s", log).isTrue();
    assertThat(second.exitValue()).as("log: %s", Files.readString(log)).isEqualTo(ExitCodes.OK);
    JsonNode resumed = TestWorld.JSON.readTree(world.get(run + "result.json"));
    assertThat(resumed.path("status").asText()).isEqualTo("succeeded");
    long resumedFrom = resumed.at("/metrics/resumedFromStep").asLong();
    assertThat(resumedFrom).isBetween((long) INTERVAL, STEPS - 1);
    assertThat(resumedFrom % INTERVAL).isZero();

    // The same run without interruption, in this JVM.
    Path straight =
        world.writeConfig(
            "straight.json",
            world.trainerConfig(
                "straight", "s3://data/kill/train.jsonl", "prompt-completion", training()));
    int code =
        new TrainJob(
                new EngineTrainingMath(),
                Map.of(),
                dir.resolve("straight-work"),
                new TerminationMessage(null),
                Clock.systemUTC(),
                Duration.ofSeconds(5))
            .run(straight);
    assertThat(code).isEqualTo(ExitCodes.OK);
    JsonNode uninterrupted =
        TestWorld.JSON.readTree(
            world.get("s3://adapters/team-a/finetunejobs/straight/uid-straight/result.json"));
    assertThat(uninterrupted.at("/metrics/resumedFromStep").asLong()).isZero();

    byte[] resumedWeights =
        world.get(resumed.at("/adapter/uri").asText() + "adapter_model.safetensors");
    byte[] straightWeights =
        world.get(uninterrupted.at("/adapter/uri").asText() + "adapter_model.safetensors");
    assertThat(resumedWeights).isEqualTo(straightWeights); // bit-identical
    assertThat(fileShas(resumed)).isEqualTo(fileShas(uninterrupted));
    assertThat(resumed.at("/metrics/trainLoss").asDouble())
        .isEqualTo(uninterrupted.at("/metrics/trainLoss").asDouble());
    assertThat(resumed.at("/metrics/evalLoss").asDouble())
        .isEqualTo(uninterrupted.at("/metrics/evalLoss").asDouble());
    Files.copy(
        log,
        Path.of("target", "kill-test-child.log").toAbsolutePath(),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static Map<String, String> fileShas(JsonNode result) {
    S3Uri version = S3Uri.parse(result.at("/adapter/uri").asText());
    Manifest m = Manifest.parse(world.get(version + "manifest.json"));
    Map<String, String> out = new LinkedHashMap<>();
    m.files().forEach(e -> out.put(e.path(), e.sha256()));
    return out;
  }

  static String classPath() {
    return System.getProperty("java.class.path").replace(File.pathSeparatorChar, '\n');
  }
}
