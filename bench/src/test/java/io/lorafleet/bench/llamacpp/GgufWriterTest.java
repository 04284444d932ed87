package io.lorafleet.bench.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF writer's files read back: by a minimal GGUF parser here (layout, offsets, the q/k row
 * order) and by llama.cpp itself (node-llama-cpp, installed from bench/llamacpp's lockfile when
 * missing), which must pick the engine's greedy token at every teacher-forced position of a tiny
 * grouped-query Llama, in fp32 and as Q8_0 from the engine's int8 weights.
 */
class GgufWriterTest {
  @TempDir static Path tmp;
  private static CpuBackend backend;
  private static Path modelDir;

  @BeforeAll
  static void model() throws IOException {
    backend = new CpuBackend(2);
    modelDir = tmp.resolve("model");
    TestModelGenerator.write(TestModelSpec.llamaGqa(), modelDir);
  }

  @AfterAll
  static void close() {
    backend.close();
  }

  @Test
  void tensorsAreLaidOutAsLlamaCppReadsThem() throws IOException {
    LlamaModel m = LlamaModel.load(modelDir, WeightPrecision.F32, backend);
    Path file = tmp.resolve("layout.gguf");
    GgufWriter.writeModel(m.config(), m.weights(), "tiny", file);

    GgufFile g = GgufFile.read(file);
    assertThat(g.version()).isEqualTo(3);
    assertThat(g.string("general.architecture")).isEqualTo("llama");
    assertThat(g.tensorNames())
        .contains("token_embd.weight", "blk.1.ffn_down.weight", "output.weight");
    // 2 layers x 9 tensors + embedding, final norm and untied head
    assertThat(g.tensorNames()).hasSize(21);
    int hd = m.config().headDim();
    int in = m.config().hiddenSize();
    float[] q = m.weights().layers().get(0).q().f32();
    float[] k = m.weights().layers().get(0).k().f32();
    float[] gq = g.floats("blk.0.attn_q.weight");
    float[] gk = g.floats("blk.0.attn_k.weight");
    // row 2i+s of a head is HF row s*hd/2+i: row 1 of head 1 is HF row hd + hd/2
    assertThat(Arrays.copyOfRange(gq, (hd + 1) * in, (hd + 2) * in))
        .containsExactly(Arrays.copyOfRange(q, (hd + hd / 2) * in, (hd + hd / 2 + 1) * in));
    assertThat(Arrays.copyOfRange(gk, 2 * in, 3 * in))
        .containsExactly(Arrays.copyOfRange(k, in, 2 * in));
    // v is not reordered
    assertThat(g.floats("blk.0.attn_v.weight"))
        .containsExactly(m.weights().layers().get(0).v().f32());
  }

  /** fp32 weights and fp32 arithmetic on both sides: every position. */
  @Test
  void llamaCppPicksTheEnginesTokensInF32() throws IOException {
    assertThat(agreement(WeightPrecision.F32, "f32")).isEqualTo(32);
  }

  /**
   * The same int8 weights; llama.cpp's Q8_0 matmul also rounds the activations to 8 bits (the
   * engine keeps them fp32), so a near tie may go the other way: at least 29 of 32 (a wrong q/k row
   * order or block layout agrees at chance, about 1 in 384).
   */
  @Test
  void llamaCppPicksTheEnginesTokensOnTheSameInt8Weights() throws IOException {
    assertThat(agreement(WeightPrecision.INT8, "q8")).isGreaterThanOrEqualTo(29);
  }

  /**
   * A rank-8 adapter on all seven linear modules (q and k included, so the B row order matters),
   * written as a GGUF LoRA: llama.cpp with it picks the engine's adapted tokens, which differ from
   * the base model's at most positions.
   */
  @Test
  void llamaCppWithTheAdapterPicksTheEnginesAdaptedTokens() throws IOException {
    LlamaCppPeer peer = LlamaCppPeer.fromProperties();
    if (peer.unavailableReason() != null) {
      LlamaCppInstall.run();
    }
    LlamaModel m = LlamaModel.load(modelDir, WeightPrecision.F32, backend);
    Path adapterDir = tmp.resolve("adapter");
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(
            8,
            64,
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
            21),
        m.config(),
        adapterDir);
    LoraAdapter adapter = PeftAdapterReader.read(adapterDir); // as the engine reads it
    AdapterTable table =
        AdapterTable.empty(m.config().numHiddenLayers())
            .with(LoadedAdapter.of("a", adapter, m.config()));
    Path base = tmp.resolve("base-for-lora.gguf");
    Path lora = tmp.resolve("lora.gguf");
    GgufWriter.writeModel(m.config(), m.weights(), "tiny", base);
    GgufWriter.writeAdapter(m.config(), adapter, lora);
    int[] tokens = CpuDecodeBench.tokens(32, m.config().vocabSize(), 5);
    int[] ours = OurDecode.topTokens(m, table, 0, tokens);
    int[] baseTokens = OurDecode.topTokens(m, tokens);
    int[] theirs = peer.topTokens(base, lora, 1, tokens);
    System.out.println("lora ours:   " + Arrays.toString(ours));
    System.out.println("lora theirs: " + Arrays.toString(theirs));
    System.out.println("base ours:   " + Arrays.toString(baseTokens));
    assertThat(theirs).containsExactly(ours);
    int changed = 0;
    for (int i = 0; i < ours.length; i++) {
      changed += ours[i] != baseTokens[i] ? 1 : 0;
    }
    assertThat(changed).as("positions where the adapter changes the token").isGreaterThan(8);
  }

  private static int agreement(WeightPrecision precision, String name) throws IOException {
    LlamaCppPeer peer = LlamaCppPeer.fromProperties();
    if (peer.unavailableReason() != null) {
      LlamaCppInstall.run();
    }
    LlamaModel m = LlamaModel.load(modelDir, precision, backend);
    Path file = tmp.resolve(name + ".gguf");
    GgufWriter.writeModel(m.config(), m.weights(), "tiny-" + name, file);
    int[] tokens = CpuDecodeBench.tokens(32, m.config().vocabSize(), 3);
    int[] ours = OurDecode.topTokens(m, tokens);
    int[] theirs = peer.topTokens(file, 1, tokens);
    System.out.println(name + " ours:   " + Arrays.toString(ours));
    System.out.println(name + " theirs: " + Arrays.toString(theirs));
    assertThat(theirs).hasSameSizeAs(ours);
    assertThat(Arrays.stream(ours).distinct().count()).isGreaterThan(4); // not a degenerate model
    int same = 0;
    for (int i = 0; i < ours.length; i++) {
      same += ours[i] == theirs[i] ? 1 : 0;
    }
    return same;
  }

  /** The peer's install from its lockfile (bench/llamacpp/install.sh), bounded. */
  static final class LlamaCppInstall {
    static synchronized void run() throws IOException {
      Path dir = Path.of(System.getProperty("lorafleet.llamacpp.dir", "llamacpp"));
      // npm's output goes to a file: the forked test JVM's stdout is surefire's channel.
      Path log = Path.of(System.getProperty("java.io.tmpdir"), "llamacpp-install.log");
      try {
        Process p =
            new ProcessBuilder(List.of("bash", dir.resolve("install.sh").toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(java.time.Duration.ofMinutes(6)) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IOException(
              "bench/llamacpp/install.sh failed or ran past 6 minutes: " + Files.readString(log));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      assertThat(Files.isDirectory(dir.resolve("node_modules/@node-llama-cpp/linux-x64"))).isTrue();
    }
  }
}
