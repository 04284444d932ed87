package io.lorafleet.kernels.gpu;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sizes of each acceptance step. {@code full} is what the GPU run uses (a Qwen2.5-0.5B-shaped
 * random model); {@code dry} is the small stand-in of the host-device dry run, where the emulated
 * kernels are thousands of times slower. Every step prints which one it ran.
 */
public record AcceptanceShapes(
    String name,
    TestModelSpec model,
    int[] decodeBatches,
    int decodeSteps,
    int promptLength,
    int adapterBatch,
    TestModelSpec trainModel,
    int trainSteps,
    int trainSequences,
    int trainLength) {

  /** Qwen2.5-0.5B's config.json shape: hidden 896, 24 layers, 14 q / 2 kv heads, 151,936 vocab. */
  static final TestModelSpec QWEN25_05B =
      new TestModelSpec(
          "Qwen2ForCausalLM",
          896,
          4864,
          24,
          14,
          2,
          151_936,
          true,
          1_000_000,
          Optional.empty(),
          1e-6,
          DType.BF16,
          25);

  /** The dry run's stand-in: same family and GQA group (7), head_dim 16, 2 layers. */
  static final TestModelSpec DRY_MODEL =
      new TestModelSpec(
          "Qwen2ForCausalLM",
          112,
          224,
          2,
          7,
          1,
          512,
          true,
          1_000_000,
          Optional.empty(),
          1e-6,
          DType.BF16,
          25);

  /** The training model (small, so that the CPU reference run of 200 steps stays short). */
  static final TestModelSpec TRAIN_MODEL =
      new TestModelSpec(
          "Qwen2ForCausalLM",
          256,
          512,
          4,
          8,
          2,
          2048,
          true,
          1_000_000,
          Optional.empty(),
          1e-6,
          DType.F32,
          31);

  public static AcceptanceShapes named(String name) {
    return switch (name) {
      case "full" ->
          new AcceptanceShapes(
              "full", QWEN25_05B, new int[] {1, 8, 32, 128}, 16, 32, 32, TRAIN_MODEL, 200, 4, 64);
      case "dry" ->
          new AcceptanceShapes(
              "dry (host-device, reduced shapes)",
              DRY_MODEL,
              new int[] {1, 2, 4},
              2,
              4,
              4,
              TestModelSpec.qwen2TiedBias(),
              10,
              2,
              12);
      default -> throw new IllegalArgumentException("unknown shapes '" + name + "': full or dry");
    };
  }

  /** The four adapters of the logits comparison: ranks 8 to 32, attention and MLP targets. */
  static List<TestAdapterGenerator.Spec> logitAdapters() {
    List<String> all =
        List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    return List.of(
        TestAdapterGenerator.Spec.simple(8, 16, List.of("q_proj", "v_proj"), 1),
        TestAdapterGenerator.Spec.simple(16, 32, all, 2),
        new TestAdapterGenerator.Spec(
            16, 16, all, Map.of("down_proj", 4), Map.of(), true, DType.BF16, 3),
        TestAdapterGenerator.Spec.simple(32, 16, List.of("gate_proj", "up_proj", "down_proj"), 4));
  }

  /** One of the distinct adapters of the adapter-cost measurement: rank 16 on all 7 modules. */
  static TestAdapterGenerator.Spec servingAdapter(int i) {
    return TestAdapterGenerator.Spec.simple(
        16,
        32,
        List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
        100 + i);
  }
}
