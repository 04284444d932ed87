package io.lorafleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs the real command line against files on disk and the embedded S3Proxy. */
class LorafleetCliTest extends CliTestBase {
  /** A tiny Llama: hidden 32, 4 heads, 2 KV heads (head dim 8), 2 layers. */
  static Path model(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("config.json"),
        """
        {"architectures":["LlamaForCausalLM"],"hidden_size":32,"intermediate_size":64,
         "num_attention_heads":4,"num_key_value_heads":2,"num_hidden_layers":2,
         "vocab_size":100,"torch_dtype":"bfloat16"}
        """);
    return dir;
  }

  /** A rank-4 adapter on q_proj [32, 32] and v_proj [16, 32] of both layers. */
  static Path adapter(Path dir) throws IOException {
    Map<ModuleKey, LoraWeights> m = new TreeMap<>();
    for (int layer = 0; layer < 2; layer++) {
      for (LinearModule mod : List.of(LinearModule.Q_PROJ, LinearModule.V_PROJ)) {
        int out = mod == LinearModule.Q_PROJ ? 32 : 16;
        ModuleKey k = new ModuleKey(layer, mod);
        m.put(k, new LoraWeights(k, 4, 32, out, 2.0, new float[4 * 32], new float[out * 4]));
      }
    }
    PeftAdapterWriter.write(
        new LoraAdapter(AdapterConfig.of(4, 8, List.of("q_proj", "v_proj")), m, DType.BF16), dir);
    return dir;
  }

  static String digestIn(String output) {
    Matcher matcher = Pattern.compile("sha256-([0-9a-f]{64})").matcher(output);
    assertThat(matcher.find()).as(output).isTrue();
    return matcher.group(1);
  }

  @Test
  void inspectsALocalAdapterAndChecksItAgainstABaseModel() throws IOException {
    Path a = adapter(work.resolve("adapter"));
    Path b = model(work.resolve("model"));

    Run r = run("inspect", a.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("LoRA adapter (PEFT)", "rank:           4 (alpha 8, scale 2)")
        .contains("[q_proj, v_proj]", "adapted:        4 modules in 2 layers")
        .contains("parameters:     896", "dtype:          BF16")
        .contains("q_proj     A [4, 32]  B [32, 4]  (2 layers)")
        .contains("v_proj     A [4, 32]  B [16, 4]  (2 layers)");
    assertThat(digestIn(r.out())).isEqualTo(ArtifactStore.manifestOf(a, Map.of()).digest());

    Run ok = run("inspect", a.toString(), "--base", b.toString());
    assertThat(ok.exit()).isZero();
    assertThat(ok.out()).contains("compatible with " + b);

    Run tooBig = run("inspect", a.toString(), "--base", b.toString(), "--max-rank", "2");
    assertThat(tooBig.exit()).isEqualTo(InspectCommand.INCOMPATIBLE);
    assertThat(tooBig.out()).contains("NOT compatible", "RankTooLarge: r = 4 is above");
  }

  @Test
  void inspectsABaseModelDirectory() throws IOException {
    Run r = run("inspect", model(work.resolve("model")).toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("base model (LlamaForCausalLM)", "4 query, 2 key/value (head dim 8)")
        .contains("k_proj     [16, 32]", "lm_head    [100, 32]");
  }

  @Test
  void pushInspectAndPullThroughObjectStorage() throws IOException {
    Path a = adapter(work.resolve("adapter"));
    model(work.resolve("model"));
    Run push =
        run("push", a.toString(), "s3://cli-test/team/adapters/demo", "--lineage", "by=test");
    assertThat(push.exit()).as(push.err()).isZero();
    String digest = digestIn(push.out());
    assertThat(push.out()).contains("s3://cli-test/team/adapters/demo/sha256-" + digest + "/");
    assertThat(
            run("push", work.resolve("model").toString(), "s3://cli-test/team/models/tiny").exit())
        .isZero();

    Run remote =
        run(
            "inspect",
            "s3://cli-test/team/adapters/demo/sha256-" + digest,
            "--base",
            "s3://cli-test/team/models/tiny");
    assertThat(remote.exit()).as(remote.err()).isZero();
    assertThat(remote.out())
        .contains("sha256-" + digest, "LoRA adapter (PEFT)", "parameters:     896")
        .contains("compatible with s3://cli-test/team/models/tiny/sha256-");

    Path pulled = work.resolve("pulled");
    Run pull = run("pull", "s3://cli-test/team/adapters/demo", pulled.toString());
    assertThat(pull.exit()).as(pull.err()).isZero();
    assertThat(pull.out()).contains("digest sha256-" + digest + " verified");
    assertThat(Sha256.hex(pulled.resolve("adapter_model.safetensors")))
        .isEqualTo(Sha256.hex(a.resolve("adapter_model.safetensors")));
    assertThat(digestIn(run("inspect", pulled.toString()).out()))
        .as("a pulled directory reports the version digest (lineage included)")
        .isEqualTo(digest);

    String all = push.out() + push.err() + remote.out() + remote.err() + pull.out() + pull.err();
    assertThat(all).doesNotContain(local.credentials().secretKey());
  }

  @Test
  void theEmbeddedStoreKeepsDataAcrossRuns() throws IOException {
    Path a = adapter(work.resolve("adapter"));
    Path data = work.resolve("local-s3");
    Run push = run("push", a.toString(), "s3://local/adapters/x", "--local", data.toString());
    assertThat(push.exit()).as(push.err()).isZero();
    Run pull =
        run(
            "pull",
            "s3://local/adapters/x",
            work.resolve("back").toString(),
            "--local",
            data.toString());
    assertThat(pull.exit()).as(pull.err()).isZero();
    assertThat(digestIn(pull.out())).isEqualTo(digestIn(push.out()));
  }

  @Test
  void badInputGetsOneClearLine() {
    Run missing = run("inspect", work.resolve("nope").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err().strip())
        .isEqualTo("error: " + work.resolve("nope") + " is not a directory");

    Run noVersion = run("pull", "s3://cli-test/none/here", work.resolve("x").toString());
    assertThat(noVersion.exit()).isEqualTo(1);
    assertThat(noVersion.err())
        .contains("error: no published version under s3://cli-test/none/here");

    Run usage = run("push");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err()).contains("Missing required parameters");
  }
}
