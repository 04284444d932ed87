package io.lorafleet.artifacts.compat;

import static io.lorafleet.artifacts.compat.IncompatibilityReason.INCOMPLETE_MODULE;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.LAYER_OUT_OF_RANGE;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.NO_TENSORS_MATCHED;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.RANK_MISMATCH;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.RANK_TOO_LARGE;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.SHAPE_MISMATCH;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.UNEXPECTED_TENSOR;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.UNKNOWN_TARGET_MODULE;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.UNSUPPORTED_DTYPE;
import static io.lorafleet.artifacts.compat.IncompatibilityReason.UNSUPPORTED_FEATURE;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.LinearShape;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.AdapterConfigException;
import io.lorafleet.artifacts.peft.AdapterTensorLayout;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.ModuleSelector;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks an adapter (its config and the tensor header of its weights; no weight data is needed)
 * against a base model's {@code config.json}. Problems repeated across layers are reported once per
 * module, with the number of layers affected, so a condition message stays readable.
 */
public final class CompatibilityChecker {
  private CompatibilityChecker() {}

  public static CompatibilityReport check(
      AdapterConfig adapter,
      Collection<TensorInfo> tensors,
      ModelConfig base,
      CompatibilityLimits limits) {
    try {
      return checkOrThrow(adapter, tensors, base, limits);
    } catch (AdapterConfigException e) {
      // A user regex too costly to evaluate: a reason for the condition, not a crash.
      return new CompatibilityReport(
          List.of(new Incompatibility(UNSUPPORTED_FEATURE, e.getMessage())), 0);
    }
  }

  private static CompatibilityReport checkOrThrow(
      AdapterConfig adapter,
      Collection<TensorInfo> tensors,
      ModelConfig base,
      CompatibilityLimits limits) {
    Findings f = new Findings();
    adapter.unsupportedFeatures().forEach(m -> f.add(UNSUPPORTED_FEATURE, m, m, -1));
    checkTargets(adapter, base, f);
    checkConfiguredRanks(adapter, limits, f);
    for (int layer : adapter.layersToTransform()) {
      if (layer >= base.numHiddenLayers()) {
        f.add(
            LAYER_OUT_OF_RANGE,
            "layers_to_transform " + layer,
            "layers_to_transform lists layer "
                + layer
                + " but the base model has "
                + base.numHiddenLayers()
                + " layers",
            -1);
      }
    }

    AdapterTensorLayout layout = AdapterTensorLayout.of(tensors);
    for (AdapterTensorLayout.Problem p : layout.problems()) {
      IncompatibilityReason r =
          switch (p.kind()) {
            case DORA_TENSOR -> UNSUPPORTED_FEATURE;
            case UNRECOGNIZED_TENSOR -> UNEXPECTED_TENSOR;
            case INCOMPLETE_PAIR, BAD_RANK -> INCOMPLETE_MODULE;
          };
      f.add(r, p.message(), p.message(), -1);
    }
    int matched = 0;
    Map<LinearModule, LinearShape> shapes = base.linearShapes();
    for (AdapterTensorLayout.Pair p : layout.pairs().values()) {
      if (checkPair(p, adapter, base, shapes.get(p.key().module()), limits, f)) {
        matched++;
      }
    }
    if (matched == 0) {
      f.add(
          NO_TENSORS_MATCHED,
          "none",
          "no LoRA tensor applies to the base model: the adapter would do nothing",
          -1);
    }
    return new CompatibilityReport(f.toList(), matched);
  }

  /** Returns true when the pair belongs to a targeted module that exists in the base model. */
  private static boolean checkPair(
      AdapterTensorLayout.Pair p,
      AdapterConfig adapter,
      ModelConfig base,
      LinearShape shape,
      CompatibilityLimits limits,
      Findings f) {
    ModuleKey key = p.key();
    String m = key.module().moduleName();
    if (key.layer() >= base.numHiddenLayers()) {
      f.add(
          LAYER_OUT_OF_RANGE,
          "layer " + m,
          m
              + " has LoRA tensors for layer "
              + key.layer()
              + " but the base model has "
              + base.numHiddenLayers()
              + " layers",
          key.layer());
      return false;
    }
    boolean applies = adapter.targets(key.module(), key.layer());
    if (!applies) {
      f.add(
          UNEXPECTED_TENSOR,
          "untargeted " + m,
          m
              + " has LoRA tensors but target_modules/layers_to_transform do not select it, so"
              + " PEFT would ignore them",
          key.layer());
    }
    if (p.in() != shape.in()) {
      f.add(
          SHAPE_MISMATCH,
          "A " + m + p.a().shape(),
          m
              + ": lora_A is "
              + p.a().shape()
              + ", expected [r, "
              + shape.in()
              + "] (in_features of the base "
              + m
              + " "
              + shape
              + ")",
          key.layer());
    }
    if (p.out() != shape.out()) {
      f.add(
          SHAPE_MISMATCH,
          "B " + m + p.b().shape(),
          m
              + ": lora_B is "
              + p.b().shape()
              + ", expected ["
              + shape.out()
              + ", r] (out_features of the base "
              + m
              + " "
              + shape
              + ")",
          key.layer());
    }
    if (p.rank() > limits.maxRank()) {
      f.add(
          RANK_TOO_LARGE,
          "rank " + m + p.rank(),
          m + " has rank " + p.rank() + ", above the maximum of " + limits.maxRank(),
          key.layer());
    }
    int expected = adapter.rankFor(key.path());
    if (p.rank() != expected) {
      f.add(
          RANK_MISMATCH,
          "config rank " + m + p.rank(),
          m + " tensors have rank " + p.rank() + " but the config says " + expected,
          key.layer());
    }
    for (TensorInfo t : new TensorInfo[] {p.a(), p.b()}) {
      if (!limits.dtypes().contains(t.dtype())) {
        f.add(
            UNSUPPORTED_DTYPE,
            "dtype " + m + t.dtype(),
            m
                + " is stored as "
                + t.dtype()
                + "; supported: "
                + limits.dtypes().stream()
                    .map(Enum::name)
                    .sorted()
                    .collect(Collectors.joining(", ")),
            key.layer());
      }
    }
    return applies;
  }

  private static void checkTargets(AdapterConfig adapter, ModelConfig base, Findings f) {
    String known =
        Arrays.stream(LinearModule.values())
            .map(LinearModule::moduleName)
            .collect(Collectors.joining(", "));
    if (adapter.targetModules() instanceof ModuleSelector.Names names) {
      for (String n : names.names()) {
        if (!existsInBase(n, base)) {
          f.add(
              UNKNOWN_TARGET_MODULE,
              "target " + n,
              "target module '"
                  + n
                  + "' does not exist in "
                  + base.architecture()
                  + " (linear modules: "
                  + known
                  + ")",
              -1);
        }
      }
      return;
    }
    boolean any = false;
    for (int layer = 0; layer < base.numHiddenLayers() && !any; layer++) {
      for (LinearModule m : LinearModule.values()) {
        any |= adapter.targetModules().matches(m.path(layer), m);
      }
    }
    if (!any) {
      f.add(
          UNKNOWN_TARGET_MODULE,
          "target regex",
          "target_modules "
              + adapter.targetModules().toJson()
              + " matches no linear module of "
              + base.architecture(),
          -1);
    }
  }

  /** A list entry matches a real module when some module path equals it or ends with it. */
  private static boolean existsInBase(String name, ModelConfig base) {
    for (LinearModule m : LinearModule.values()) {
      int layers = m.inDecoderLayer() ? base.numHiddenLayers() : 1;
      for (int layer = 0; layer < layers; layer++) {
        String path = m.path(layer);
        if (path.equals(name) || path.endsWith("." + name)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void checkConfiguredRanks(
      AdapterConfig adapter, CompatibilityLimits limits, Findings f) {
    Map<String, Integer> ranks = new LinkedHashMap<>();
    ranks.put("r", adapter.r());
    adapter.rankPattern().forEach((k, v) -> ranks.put("rank_pattern." + k, v));
    ranks.forEach(
        (k, v) -> {
          if (v > limits.maxRank()) {
            f.add(
                RANK_TOO_LARGE,
                "config " + k,
                k + " = " + v + " is above the maximum rank of " + limits.maxRank(),
                -1);
          }
        });
  }

  /** Deduplicates per (reason, key) and counts affected layers. */
  private static final class Findings {
    private record Entry(IncompatibilityReason reason, String message, int firstLayer, int count) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    void add(IncompatibilityReason reason, String key, String message, int layer) {
      entries.merge(
          reason + "|" + key,
          new Entry(reason, message, layer, 1),
          (a, b) -> new Entry(a.reason, a.message, a.firstLayer, a.count + 1));
    }

    List<Incompatibility> toList() {
      return entries.values().stream()
          .map(
              e ->
                  new Incompatibility(
                      e.reason,
                      e.firstLayer < 0
                          ? e.message
                          : e.message
                              + " (in "
                              + e.count
                              + " layer"
                              + (e.count == 1 ? "" : "s")
                              + ", first layer "
                              + e.firstLayer
                              + ")"))
          .toList();
    }
  }
}
