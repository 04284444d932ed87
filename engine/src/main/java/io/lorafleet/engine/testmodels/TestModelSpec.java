package io.lorafleet.engine.testmodels;

import io.lorafleet.artifacts.hf.RopeScaling;
import io.lorafleet.artifacts.safetensors.DType;
import java.util.Optional;

/**
 * The shape of a random Llama-family test model. {@code architecture} is an HF class name ({@code
 * LlamaForCausalLM}, {@code MistralForCausalLM} or {@code Qwen2ForCausalLM}, which implies QKV
 * bias).
 */
public record TestModelSpec(
    String architecture,
    int hiddenSize,
    int intermediateSize,
    int layers,
    int heads,
    int kvHeads,
    int vocabSize,
    boolean tieEmbeddings,
    double ropeTheta,
    Optional<RopeScaling> ropeScaling,
    double rmsNormEps,
    DType dtype,
    long seed) {

  /** Llama with grouped-query attention (4 query heads share 2 KV heads), untied head. */
  public static TestModelSpec llamaGqa() {
    return new TestModelSpec(
        "LlamaForCausalLM",
        64,
        160,
        2,
        4,
        2,
        384,
        false,
        10000,
        Optional.empty(),
        1e-5,
        DType.F32,
        11);
  }

  /** Qwen2: QKV bias, tied embeddings, 4 query heads on 1 KV head (multi-query). */
  public static TestModelSpec qwen2TiedBias() {
    return new TestModelSpec(
        "Qwen2ForCausalLM",
        64,
        128,
        2,
        4,
        1,
        384,
        true,
        1_000_000,
        Optional.empty(),
        1e-6,
        DType.F32,
        22);
  }

  /**
   * Llama 3.1-style {@code llama3} rope scaling with a small original context (64) so that, at
   * head_dim 16, some frequencies are kept, some divided by the factor and some interpolated.
   */
  public static TestModelSpec llama3Rope() {
    return new TestModelSpec(
        "LlamaForCausalLM",
        64,
        128,
        2,
        4,
        2,
        384,
        false,
        500_000,
        Optional.of(new RopeScaling("llama3", 8, 1, 4, 64)),
        1e-5,
        DType.F32,
        33);
  }

  /** SmolLM2-135M's shape (30 layers, hidden 576, 9/3 heads, vocab 49152, tied), for benchmarks. */
  public static TestModelSpec smolLm2Shape(DType dtype) {
    return new TestModelSpec(
        "LlamaForCausalLM",
        576,
        1536,
        30,
        9,
        3,
        49152,
        true,
        100_000,
        Optional.empty(),
        1e-5,
        dtype,
        135);
  }

  public int headDim() {
    return hiddenSize / heads;
  }

  public boolean qkvBias() {
    return architecture.equals("Qwen2ForCausalLM");
  }

  public TestModelSpec withDtype(DType d) {
    return new TestModelSpec(
        architecture,
        hiddenSize,
        intermediateSize,
        layers,
        heads,
        kvHeads,
        vocabSize,
        tieEmbeddings,
        ropeTheta,
        ropeScaling,
        rmsNormEps,
        d,
        seed);
  }
}
