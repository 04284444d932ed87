package io.lorafleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.AdapterMerger;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code lorafleet quality} on a generated model with a small and a dominating adapter. */
class QualityCommandTest extends CliTestBase {
  static final JsonMapper JSON = new JsonMapper();

  static double norm(LoraWeights w) {
    double s = 0;
    for (double x : AdapterMerger.delta(w)) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  @Test
  void reportsNormRankAndIntrudersAsTableAndJson() throws Exception {
    Path base = TestModelGenerator.write(TestModelSpec.llamaGqa(), work.resolve("base"));
    ModelConfig config = ModelLoader.config(base);
    // scale 0.01: a small change (delta norm about 0.013); scale 1000: a rank-2 delta that
    // dominates W0
    LoraAdapter small =
        TestAdapterGenerator.write(
            TestAdapterGenerator.Spec.simple(2, 0.02, List.of("q_proj", "down_proj"), 5),
            config,
            work.resolve("small"));
    LoraAdapter large =
        TestAdapterGenerator.write(
            TestAdapterGenerator.Spec.simple(2, 2000, List.of("q_proj"), 6),
            config,
            work.resolve("large"));
    ArtifactStore store = new ArtifactStore(local.client(), local.config().retry());
    PublishedVersion vLarge =
        store.push(
            work.resolve("large"), S3Uri.parse("s3://quality-test/adapters/large"), Map.of());

    Run table =
        run("quality", "--base", base.toString(), "--adapter", work.resolve("small").toString());
    Run smallJson =
        run(
            "quality",
            "--base",
            base.toString(),
            "--adapter",
            work.resolve("small").toString(),
            "--json");
    Run largeJson =
        run("quality", "--base", base.toString(), "--adapter", vLarge.uri().toString(), "--json");

    assertThat(table.exit()).as(table.err()).isZero();
    assertThat(smallJson.exit()).as(smallJson.err()).isZero();
    assertThat(largeJson.exit()).as(largeJson.err()).isZero();
    System.out.println(table.out());

    JsonNode s = JSON.readTree(smallJson.out());
    assertThat(s.path("modules")).hasSize(small.modules().size()).hasSize(4);
    for (JsonNode m : s.path("modules")) {
      ModuleKey key =
          small.modules().keySet().stream()
              .filter(k -> k.path().equals(m.path("module").asText()))
              .findFirst()
              .orElseThrow();
      LoraWeights w = small.modules().get(key);
      assertThat(m.path("deltaNorm").asDouble()).isCloseTo(norm(w), within(norm(w) * 1e-9));
      assertThat(m.path("effectiveRank").asInt()).as(key.path()).isEqualTo(2);
      assertThat(m.path("maxCosines")).hasSize(10);
      // a small delta keeps the base's singular directions: no intruders
      assertThat(m.path("intruders").asInt()).as(key.path()).isZero();
      assertThat(table.out()).contains(key.path());
    }
    assertThat(s.path("summary").path("intruders").asInt()).isZero();
    assertThat(table.out())
        .contains("module", "delta norm", "rank", "intruders", "min cos")
        .contains("4 modules, 0 intruder dimensions in 0 modules (top 10, epsilon 0.5)");

    JsonNode l = JSON.readTree(largeJson.out());
    assertThat(l.path("adapter").asText()).isEqualTo(vLarge.uri().toString());
    assertThat(l.path("modules")).hasSize(2);
    int intruders = 0;
    for (JsonNode m : l.path("modules")) {
      assertThat(m.path("effectiveRank").asInt()).isEqualTo(2);
      int counted = 0;
      for (JsonNode c : m.path("maxCosines")) {
        counted += c.asDouble() < 0.5 ? 1 : 0;
      }
      assertThat(m.path("intruders").asInt()).isEqualTo(counted);
      intruders += counted;
    }
    // the dominating delta's directions are new to the base: intruder dimensions appear
    assertThat(intruders).isPositive();
    assertThat(l.path("summary").path("intruders").asInt()).isEqualTo(intruders);
  }

  @Test
  void anAdapterThatDoesNotFitTheBaseIsAnErrorAndBadOptionsAreUsageErrors() throws Exception {
    Path base = TestModelGenerator.write(TestModelSpec.llamaGqa(), work.resolve("base"));
    ModelConfig other =
        io.lorafleet.artifacts.hf.ModelConfigParser.parse(
            """
            {"architectures":["LlamaForCausalLM"],"hidden_size":32,"intermediate_size":48,
             "num_attention_heads":4,"num_key_value_heads":2,"num_hidden_layers":2,
             "vocab_size":100,"torch_dtype":"float32"}
            """
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(2, 2, List.of("q_proj"), 5), other, work.resolve("a"));

    Run misfit = run("quality", "--base", base.toString(), "--adapter", "" + work.resolve("a"));
    assertThat(misfit.exit()).isEqualTo(1);
    assertThat(misfit.err()).contains("q_proj.weight is [64, 64] but the adapter's delta is 32x32");

    Run noDir =
        run("quality", "--base", "" + work.resolve("none"), "--adapter", "" + work.resolve("a"));
    assertThat(noDir.exit()).isEqualTo(2);
    assertThat(noDir.err()).contains(work.resolve("none") + " is not a directory");

    Run badEps =
        run(
            "quality",
            "--base",
            base.toString(),
            "--adapter",
            "" + work.resolve("a"),
            "--epsilon",
            "0");
    assertThat(badEps.exit()).isEqualTo(2);
    assertThat(badEps.err()).contains("--epsilon must be in (0, 1]");
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
