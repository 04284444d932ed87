package io.lorafleet.trainer.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.support.TestWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merge mode end to end: merge.json as the operator writes it, two generated adapters in S3. */
class MergeRunTest {
  @TempDir static Path dir;
  static TestWorld world;
  static ModelConfig model;
  static LoraAdapter a;
  static LoraAdapter b;
  static PublishedVersion va;
  static PublishedVersion vb;

  @BeforeAll
  static void start() throws Exception {
    world = new TestWorld(dir);
    model = ModelLoader.config(world.modelDir);
    a =
        TestAdapterGenerator.write(
            TestAdapterGenerator.Spec.simple(4, 8, List.of("q_proj", "v_proj"), 1),
            model,
            dir.resolve("a"));
    b =
        TestAdapterGenerator.write(
            TestAdapterGenerator.Spec.simple(2, 4, List.of("q_proj", "v_proj"), 2),
            model,
            dir.resolve("b"));
    va =
        world.artifacts.push(
            dir.resolve("a"), S3Uri.parse("s3://adapters/team-a/adapters/a"), Map.of());
    vb =
        world.artifacts.push(
            dir.resolve("b"), S3Uri.parse("s3://adapters/team-a/adapters/b"), Map.of());
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  Map<String, Object> mergeJson(String name, String method, String pinB) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("schemaVersion", 1);
    c.put(
        "run",
        Map.of(
            "namespace",
            "team-a",
            "name",
            name,
            "key",
            "k1",
            "directory",
            "s3://adapters/team-a/mergepolicies/" + name + "/k1"));
    c.put(
        "baseModel",
        Map.of("uri", "s3://models/llama", "credentialsDir", world.credentials.toString()));
    c.put("method", method);
    c.put(
        "sources",
        List.of(
            Map.of(
                "adapter",
                "a",
                "uri",
                va.uri().toString(),
                "digest",
                "sha256:" + va.digest(),
                "weight",
                0.7,
                "credentialsDir",
                world.credentials.toString()),
            Map.of(
                "adapter",
                "b",
                "uri",
                vb.uri().toString(),
                "digest",
                pinB,
                "weight",
                0.3,
                "credentialsDir",
                world.credentials.toString())));
    c.put(
        "output",
        Map.of(
            "adapterName",
            name,
            "versionsUri",
            "s3://adapters/team-a/adapters/" + name,
            "credentialsDir",
            world.credentials.toString()));
    return c;
  }

  int merge(Map<String, Object> config, Path termination) throws Exception {
    Path file = world.writeConfig(config.get("run").hashCode() + "-merge.json", config);
    return new MergeRun(Map.of(), dir.resolve("work"), new TerminationMessage(termination))
        .run(file);
  }

  @Test
  void catMergeIsPublishedWithLineageAndHoldsTheWeightedSumOfDeltas() throws Exception {
    int code = merge(mergeJson("mixed", "cat", "sha256:" + vb.digest()), dir.resolve("none"));

    assertThat(code).isEqualTo(ExitCodes.OK);
    JsonNode result =
        TestWorld.JSON.readTree(
            world.get("s3://adapters/team-a/mergepolicies/mixed/k1/result.json"));
    assertThat(result.path("status").asText()).isEqualTo("succeeded");
    String uri = result.at("/adapter/uri").asText();
    assertThat(uri).startsWith("s3://adapters/team-a/adapters/mixed/sha256-");
    Path pulled = dir.resolve("merged");
    PublishedVersion v = world.artifacts.pull(S3Uri.parse(uri), pulled);
    assertThat("sha256:" + v.digest()).isEqualTo(result.at("/adapter/digest").asText());
    assertThat(v.manifest().lineage())
        .containsEntry("merge.method", "cat")
        .containsEntry("merge.source.0.digest", "sha256:" + va.digest())
        .containsEntry("merge.source.1.weight", "0.3");

    LoraAdapter merged = PeftAdapterReader.read(pulled);
    assertThat(merged.config().r()).isEqualTo(6); // cat: ranks add up
    ModuleKey key = new ModuleKey(1, LinearModule.V_PROJ);
    double[] expected = delta(a.modules().get(key), 0.7);
    double[] other = delta(b.modules().get(key), 0.3);
    double[] actual = delta(merged.modules().get(key), 1.0);
    double worst = 0;
    double norm = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] + other[i] - actual[i]));
      norm = Math.max(norm, Math.abs(expected[i] + other[i]));
    }
    assertThat(worst).isLessThan(1e-5 * norm);
  }

  @Test
  void aSourceThatIsNotItsPinnedDigestFailsWithoutRetryAndPublishesNothing() throws Exception {
    Path termination = Files.createFile(dir.resolve("termination-pin"));
    String wrong = "sha256:" + "0".repeat(64);

    int code = merge(mergeJson("pinned", "cat", wrong), termination);

    assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
    JsonNode result =
        TestWorld.JSON.readTree(
            world.get("s3://adapters/team-a/mergepolicies/pinned/k1/result.json"));
    assertThat(result.path("status").asText()).isEqualTo("failed");
    assertThat(result.path("reason").asText()).isEqualTo("InvalidMerge");
    assertThat(result.path("message").asText()).contains("pinned " + wrong);
    assertThat(Files.readString(termination)).startsWith("InvalidMerge: source b is sha256:");
    assertThat(world.list("s3://adapters/team-a/adapters/pinned/")).isEmpty();
  }

  @Test
  void aNewerSchemaIsRefused() throws Exception {
    Map<String, Object> c = mergeJson("newer", "cat", "sha256:" + vb.digest());
    c.put("schemaVersion", 2);
    Path termination = Files.createFile(dir.resolve("termination-newer"));
    assertThat(merge(c, termination)).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(Files.readString(termination)).contains("schemaVersion 2 is newer");
  }

  /** weight * scale * B A, row-major [out, in]. */
  static double[] delta(LoraWeights w, double weight) {
    double[] d = new double[w.out() * w.in()];
    for (int o = 0; o < w.out(); o++) {
      for (int i = 0; i < w.in(); i++) {
        double s = 0;
        for (int r = 0; r < w.rank(); r++) {
          s += (double) w.b()[o * w.rank() + r] * w.a()[r * w.in() + i];
        }
        d[o * w.in() + i] = weight * w.scale() * s;
      }
    }
    return d;
  }
}
