package io.lorafleet.bench;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.parity.TorchReference;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-stream greedy decode of the same model files by the peers: Jlama (pure Java, Vector API,
 * no LoRA) and PyTorch 2.5.1 through DJL (the engine's test reference with its KV cache). Same
 * prompt length and context window as {@link DecodeBenchmark} with batch 1.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "--enable-native-access=ALL-UNNAMED",
      "-Dai.djl.offline=true"
    })
@Warmup(iterations = 2, time = 4)
@Measurement(iterations = 3, time = 5)
public class PeerBenchmark {
  @Param({"jlama", "pytorch"})
  public String peer;

  private AbstractModel jlama;
  private KvBufferCache.KvBuffer kv;
  private AbstractTensor<?, ?> jlamaLogits;
  private TorchReference torch;
  private int position;
  private int token;

  @Setup(Level.Trial)
  public void load() throws Exception {
    Path dir = BenchData.model(DType.F32);
    if (peer.equals("jlama")) {
      jlama =
          ModelSupport.loadModel(
              dir.toFile(),
              com.github.tjake.jlama.safetensors.DType.F32,
              com.github.tjake.jlama.safetensors.DType.F32);
      jlamaLogits = jlama.makeDenseTensor(jlama.getConfig().vocabularySize);
    } else {
      torch = new TorchReference(dir, null);
    }
  }

  @Setup(Level.Iteration)
  public void prefill() {
    int[] prompt = new int[DecodeBenchmark.PROMPT];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = (i * 7919) % 49152;
    }
    if (jlama != null) {
      kv = new KvBufferCache(jlama).getKvBuffer(UUID.randomUUID());
      jlama.batchForward(prompt, 0, kv).close();
    } else {
      torch.reset();
      torch.forward(prompt);
    }
    position = DecodeBenchmark.PROMPT;
    token = 42;
  }

  @Benchmark
  public int decodeStep() {
    if (position == DecodeBenchmark.MAX_CONTEXT) {
      prefill(); // the peers have no cache rewrite; start the window again
    }
    if (jlama != null) {
      AbstractTensor<?, ?> out = jlama.forward(token, position, kv, Optional.empty());
      token = jlama.sample(out, 0f, 0f, jlamaLogits);
      out.close();
    } else {
      float[] logits = torch.forward(new int[] {token});
      int best = 0;
      for (int i = 1; i < logits.length; i++) {
        best = logits[i] > logits[best] ? i : best;
      }
      token = best;
    }
    position++;
    return token;
  }

  @TearDown(Level.Trial)
  public void close() {
    if (torch != null) {
      torch.close();
    }
  }
}
