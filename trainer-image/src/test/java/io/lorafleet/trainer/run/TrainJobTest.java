package io.lorafleet.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.api.v1alpha1.jobs.ValidationSplit;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.train.LoraTrainer;
import io.lorafleet.engine.train.TrainingStateFiles;
import io.lorafleet.trainer.EvalOptions;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.config.ConfigReader;
import io.lorafleet.trainer.data.DataSplit;
import io.lorafleet.trainer.data.Example;
import io.lorafleet.trainer.data.SourceLine;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.support.TestWorld;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The train command end to end against an embedded S3, on a small generated model. */
class TrainJobTest {
  @TempDir static Path dir;
  static TestWorld world;

  @BeforeAll
  static void start() throws Exception {
    world = new TestWorld(dir);
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  static Map<String, Object> training(long maxSteps, int checkpointInterval) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("maxSteps", maxSteps);
    t.put("learningRate", 0.01);
    t.put("schedule", "cosine");
    t.put("warmupSteps", 2);
    t.put("batchSize", 4);
    t.put("gradientAccumulationSteps", 2);
    t.put("maxSequenceLength", 64);
    t.put("weightDecay", 0.01);
    t.put("maxGradNorm", 1.0);
    t.put("seed", 7);
    t.put("checkpointInterval", checkpointInterval);
    return t;
  }

  static int train(Path config, Path termination) {
    return new TrainJob(
            new EngineTrainingMath(),
            Map.of(),
            dir.resolve("work-" + config.getFileName()),
            new TerminationMessage(termination),
            Clock.systemUTC(),
            Duration.ZERO)
        .run(config);
  }

  static String badDataset() {
    String valid = TestWorld.reverseDataset(20, 3);
    String[] lines = valid.split("\n");
    StringBuilder sb = new StringBuilder();
    sb.append(lines[0]).append('\n');
    sb.append("{\"prompt\": \"reverse ab =\", \"completion\": \" ba\"\n"); // 2: invalid JSON
    sb.append("{\"prompt\": \"reverse ab =\"}\n"); // 3: no completion
    sb.append("{\"prompt\": \"reverse ab =\", \"completion\": \"  \"}\n"); // 4: empty
    sb.append(
        "{\"prompt\": \"reverse ab =\", \"completion\": \""
            + "abcdefgh ".repeat(40)
            + "\"}\n"); // 5
    sb.append("\n"); // 6: blank, skipped
    for (int i = 1; i < lines.length; i++) {
      sb.append(lines[i]).append('\n');
    }
    return sb.toString();
  }

  @Test
  void badDatasetFailsWithFileAndLineNumbersAndPublishesNothing() throws Exception {
    world.putText("s3://data/bad/train.jsonl", badDataset());
    Map<String, Object> c =
        world.trainerConfig(
            "bad", "s3://data/bad/train.jsonl", "prompt-completion", training(4, 2));
    Path termination = Files.createFile(dir.resolve("termination-bad"));

    int code = train(world.writeConfig("bad.json", c), termination);

    assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
    JsonNode result =
        TestWorld.JSON.readTree(
            world.get("s3://adapters/team-a/finetunejobs/bad/uid-bad/result.json"));
    assertThat(result.path("status").asText()).isEqualTo("failed");
    assertThat(result.path("reason").asText()).isEqualTo("InvalidDataset");
    String message = result.path("message").asText();
    assertThat(message)
        .startsWith("4 of 24 lines invalid (16.7% > 1%); first: ")
        .contains("train.jsonl:2: invalid JSON")
        .contains("train.jsonl:3: missing \"completion\"")
        .contains("train.jsonl:4: empty \"completion\"")
        .contains("train.jsonl:5: ")
        .contains("longer than maxSequenceLength 64")
        .doesNotContain("train.jsonl:6");
    assertThat(Files.readString(termination)).isEqualTo("InvalidDataset: " + message);
    assertThat(world.list("s3://adapters/team-a/adapters/bad/")).isEmpty();
    assertThat(world.list("s3://adapters/team-a/finetunejobs/bad/uid-bad/checkpoints/")).isEmpty();
  }

  @Test
  void invalidLinesWithinTheToleratedFractionAreSkippedAndCounted() throws Exception {
    world.putText("s3://data/tolerated/train.jsonl", badDataset());
    Map<String, Object> c =
        world.trainerConfig(
            "tolerated", "s3://data/tolerated/train.jsonl", "prompt-completion", training(2, 2));
    @SuppressWarnings("unchecked")
    Map<String, Object> dataset = new LinkedHashMap<>((Map<String, Object>) c.get("dataset"));
    dataset.put("maxInvalidFraction", 0.2);
    c.put("dataset", dataset);

    int code = train(world.writeConfig("tolerated.json", c), dir.resolve("none"));

    assertThat(code).isEqualTo(ExitCodes.OK);
    JsonNode result =
        TestWorld.JSON.readTree(
            world.get("s3://adapters/team-a/finetunejobs/tolerated/uid-tolerated/result.json"));
    assertThat(result.path("status").asText()).isEqualTo("succeeded");
    assertThat(result.at("/metrics/invalidLines").asInt()).isEqualTo(4);
    assertThat(result.at("/metrics/records").asInt()).isEqualTo(24);
    assertThat(
            result.at("/metrics/trainExamples").asInt()
                + result.at("/metrics/validationExamples").asInt())
        .isEqualTo(20);
  }

  @Test
  void trainsPublishesAPeftAdapterAndServingItGivesTheTrainersLogits() throws Exception {
    String data = TestWorld.reverseDataset(40, 1);
    world.putText("s3://data/reverse/train.jsonl", data);
    Map<String, Object> c =
        world.trainerConfig(
            "tune", "s3://data/reverse/train.jsonl", "prompt-completion", training(6, 3));
    Path configFile = world.writeConfig("tune.json", c);

    assertThat(train(configFile, dir.resolve("none"))).isEqualTo(ExitCodes.OK);

    String run = "s3://adapters/team-a/finetunejobs/tune/uid-tune/";
    JsonNode result = TestWorld.JSON.readTree(world.get(run + "result.json"));
    assertThat(result.path("status").asText()).isEqualTo("succeeded");
    String uri = result.at("/adapter/uri").asText();
    String digest = result.at("/adapter/digest").asText();
    assertThat(uri).startsWith("s3://adapters/team-a/adapters/tune/sha256-").endsWith("/");
    assertThat(digest).isEqualTo("sha256:" + Sha256.hex(world.get(uri + "manifest.json")));
    assertThat(uri).contains(digest.substring("sha256:".length()));
    assertThat(result.at("/metrics/steps").asInt()).isEqualTo(6);
    assertThat(result.at("/metrics/evalLoss").isNumber()).isTrue();

    // Lineage in the manifest: what the operator reads, plus the hyperparameters.
    Path pulled = dir.resolve("pulled");
    PublishedVersion v = world.artifacts.pull(S3Uri.parse(uri), pulled);
    Map<String, String> lineage = v.manifest().lineage();
    assertThat(lineage)
        .containsEntry("fineTuneJob", "tune")
        .containsEntry("fineTuneJob.uid", "uid-tune")
        .containsEntry("baseModelDigest", "sha256:" + world.model.digest())
        .containsEntry(
            "datasetDigest", "sha256:" + Sha256.hex(data.getBytes(StandardCharsets.UTF_8)))
        .containsEntry("lora.rank", "4")
        .containsEntry("lora.targetModules", "q_proj,v_proj,down_proj")
        .containsEntry("training.maxSteps", "6")
        .containsEntry("training.seed", "7");
    assertThat(result.path("lineage").path("datasetDigest").asText())
        .isEqualTo(lineage.get("datasetDigest"));

    // PEFT's files: the config keys PEFT writes, tensor names and shapes.
    JsonNode cfg = TestWorld.JSON.readTree(pulled.resolve("adapter_config.json").toFile());
    assertThat(cfg.path("peft_type").asText()).isEqualTo("LORA");
    assertThat(cfg.path("task_type").asText()).isEqualTo("CAUSAL_LM");
    assertThat(cfg.path("r").asInt()).isEqualTo(4);
    assertThat(cfg.path("lora_alpha").asDouble()).isEqualTo(8.0);
    assertThat(cfg.path("use_rslora").asBoolean()).isFalse();
    assertThat(cfg.has("lora_dropout") && cfg.has("bias") && cfg.has("fan_in_fan_out")).isTrue();
    assertThat(TestWorld.JSON.convertValue(cfg.path("target_modules"), Set.class))
        .isEqualTo(Set.of("q_proj", "v_proj", "down_proj"));
    try (SafetensorsFile st = SafetensorsFile.open(pulled.resolve("adapter_model.safetensors"))) {
      assertThat(st.names()).hasSize(2 * 2 * 3);
      String p = "base_model.model.model.layers.1.";
      assertThat(st.info(p + "self_attn.q_proj.lora_A.weight").shape()).containsExactly(4L, 64L);
      assertThat(st.info(p + "self_attn.q_proj.lora_B.weight").shape()).containsExactly(64L, 4L);
      assertThat(st.info(p + "self_attn.v_proj.lora_B.weight").shape()).containsExactly(32L, 4L);
      assertThat(st.info(p + "mlp.down_proj.lora_A.weight").shape()).containsExactly(4L, 160L);
      assertThat(st.header().metadata()).containsEntry("format", "pt");
    }

    // Progress and checkpoints as the operator reads them.
    JsonNode progress = TestWorld.JSON.readTree(world.get(run + "progress.json"));
    assertThat(progress.path("step").asInt()).isEqualTo(6);
    assertThat(progress.path("totalSteps").asInt()).isEqualTo(6);
    assertThat(progress.path("epoch").asDouble()).isGreaterThan(0);
    assertThat(progress.at("/lastCheckpoint/step").asInt()).isEqualTo(6);
    assertThat(progress.at("/lastCheckpoint/uri").asText()).isEqualTo(run + "checkpoints/step-6");
    assertThat(world.exists(run + "checkpoints/step-3/checkpoint.json")).isTrue();

    // The trainer's in-memory model (restored from the final checkpoint) and the serving path
    // with the published adapter give the same logits.
    TrainerConfig config = ConfigReader.read(configFile);
    LlamaModel base = LlamaModel.load(world.modelDir, WeightPrecision.F32, new CpuBackend());
    Path state = dir.resolve("final-state.safetensors");
    Files.write(state, world.get(run + "checkpoints/step-6/state.safetensors"));
    LoraAdapter published = PeftAdapterReader.read(pulled);
    int[] tokens = {5, 17, 42, 99, 120, 7, 3, 250, 11};
    try (LoraTrainer trainer = LoraTrainer.create(base, TrainJob.options(config, base.config()))) {
      trainer.restore(TrainingStateFiles.read(state));
      float[] inMemory = trainer.logits(tokens);
      AdapterTable table =
          AdapterTable.empty(base.config().numHiddenLayers())
              .with(LoadedAdapter.of("tune", published, base.config()));
      float[] served = EngineRun.prefill(base, table, List.of(tokens), new int[] {0});
      float[] plain = EngineRun.prefill(base, table, List.of(tokens), new int[] {-1});
      assertThat(maxAbsDiff(inMemory, served)).isLessThan(1e-4 * maxAbs(served));
      assertThat(maxAbsDiff(plain, served)).isGreaterThan(1e-3); // the adapter changes the output
    }
  }

  @Test
  void theHeldOutRowsArePublishedPinnedByTheVersionAndEvalVerifiesTheirDigest() throws Exception {
    String data = TestWorld.reverseDataset(40, 2);
    world.putText("s3://data/split/train.jsonl", data);
    Map<String, Object> c =
        world.trainerConfig(
            "split", "s3://data/split/train.jsonl", "prompt-completion", training(2, 2));
    assertThat(train(world.writeConfig("split.json", c), dir.resolve("none")))
        .isEqualTo(ExitCodes.OK);

    JsonNode result =
        TestWorld.JSON.readTree(
            world.get("s3://adapters/team-a/finetunejobs/split/uid-split/result.json"));
    String uri = result.at("/adapter/uri").asText();
    Map<String, String> lineage = world.artifacts.manifest(S3Uri.parse(uri)).manifest().lineage();
    ValidationSplit split = ValidationSplit.fromLineage(lineage).orElseThrow();
    assertThat(split.uri())
        .startsWith("s3://adapters/team-a/adapters/split/validation/sha256-")
        .endsWith(".jsonl");
    assertThat(split.format()).isEqualTo(DatasetFormat.PROMPT_COMPLETION);
    assertThat(split.maxSequenceLength()).isEqualTo(64);
    assertThat(result.path("lineage").path(ValidationSplit.URI_KEY).asText())
        .isEqualTo(split.uri());
    byte[] rows = world.get(split.uri());
    assertThat(split.digest()).isEqualTo("sha256:" + Sha256.hex(rows));
    assertThat(split.uri()).contains(Sha256.hex(rows));
    // Exactly the dataset's lines the split held out (validationSplit 0.1, seed 7), unchanged.
    List<String> lines = data.lines().toList();
    List<Example> all = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      all.add(new Example(new SourceLine("train.jsonl", i + 1), null, lines.get(i)));
    }
    List<String> expected =
        DataSplit.of(all, 0.1, 7).validation().stream().map(Example::line).toList();
    assertThat(new String(rows, StandardCharsets.UTF_8).lines().toList())
        .hasSize(result.at("/metrics/validationExamples").asInt())
        .hasSize(4)
        .isEqualTo(expected);

    // trainer eval reads the split with its digest: the pinned one passes the check, another
    // digest is bad input before anything is scored.
    Path termination = Files.createFile(dir.resolve("termination-split"));
    int code = evalSplit(split.uri(), split.digest(), uri, termination);
    assertThat(code).isIn(ExitCodes.OK, ExitCodes.EVALUATION_FAILED);
    assertThat(Files.readString(termination)).contains("\"candidateDigest\"");
    Path refused = Files.createFile(dir.resolve("termination-split-wrong"));
    assertThat(evalSplit(split.uri(), "sha256:" + "0".repeat(64), uri, refused))
        .isEqualTo(ExitCodes.BAD_INPUT);
    EvalVerdict verdict = TestWorld.JSON.readValue(Files.readString(refused), EvalVerdict.class);
    assertThat(verdict.outcome()).isEqualTo(EvalVerdict.Outcome.Invalid);
    assertThat(verdict.reason()).isEqualTo("DatasetDigestMismatch");
    assertThat(verdict.message()).contains(split.digest()).contains("0".repeat(64));
  }

  private static int evalSplit(String dataset, String digest, String candidate, Path termination)
      throws Exception {
    EvalOptions options = new EvalOptions();
    new CommandLine(options)
        .parseArgs(
            "--model",
            "s3://models/llama",
            "--candidate",
            candidate,
            "--dataset",
            dataset,
            "--dataset-digest",
            digest,
            "--credentials-dir",
            world.credentials.toString(),
            "--work-dir",
            dir.resolve("eval-work").toString());
    return options.run(System.out, new TerminationMessage(termination));
  }

  static double maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  static List<String> keys(List<ObjectInfo> objects) {
    return objects.stream().map(ObjectInfo::key).toList();
  }
}
