package io.lorafleet.artifacts.peft;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Groups the tensors of {@code adapter_model.safetensors} into A/B pairs per module, collecting
 * (not throwing) every problem so the compatibility check can report all of them at once.
 */
public final class AdapterTensorLayout {

  /** One A/B pair: A is [r, in], B is [out, r]. */
  public record Pair(ModuleKey key, TensorInfo a, TensorInfo b) {
    public int rank() {
      return (int) a.dim(0);
    }

    public long in() {
      return a.dim(1);
    }

    public long out() {
      return b.dim(0);
    }
  }

  public enum ProblemKind {
    UNRECOGNIZED_TENSOR,
    DORA_TENSOR,
    INCOMPLETE_PAIR,
    BAD_RANK
  }

  public record Problem(ProblemKind kind, String message) {}

  // ".default" appears when a state dict is saved without PEFT's save_pretrained stripping it.
  private static final Pattern LAYER_TENSOR =
      Pattern.compile(
          "base_model\\.model\\.model\\.layers\\.(\\d{1,6})\\.(self_attn|mlp)\\.([a-z_]+)"
              + "\\.lora_([AB])(?:\\.default)?\\.weight");
  private static final Pattern HEAD_TENSOR =
      Pattern.compile("base_model\\.model\\.lm_head\\.lora_([AB])(?:\\.default)?\\.weight");

  private final Map<ModuleKey, Pair> pairs;
  private final List<Problem> problems;

  private AdapterTensorLayout(Map<ModuleKey, Pair> pairs, List<Problem> problems) {
    this.pairs = pairs;
    this.problems = problems;
  }

  public static AdapterTensorLayout of(Collection<TensorInfo> tensors) {
    Map<ModuleKey, TensorInfo[]> halves = new TreeMap<>();
    List<Problem> problems = new ArrayList<>();
    for (TensorInfo t : tensors) {
      classify(t, problems)
          .ifPresent(
              kh -> {
                TensorInfo[] ab = halves.computeIfAbsent(kh.key, k -> new TensorInfo[2]);
                ab[kh.half == 'A' ? 0 : 1] = t;
              });
    }
    Map<ModuleKey, Pair> pairs = new TreeMap<>();
    for (Map.Entry<ModuleKey, TensorInfo[]> e : halves.entrySet()) {
      TensorInfo a = e.getValue()[0];
      TensorInfo b = e.getValue()[1];
      if (a == null || b == null) {
        problems.add(
            new Problem(
                ProblemKind.INCOMPLETE_PAIR,
                "module "
                    + e.getKey()
                    + " has lora_"
                    + (a == null ? "B" : "A")
                    + " but no lora_"
                    + (a == null ? "A" : "B")));
        continue;
      }
      if (a.rank() != 2 || b.rank() != 2) {
        problems.add(
            new Problem(
                ProblemKind.BAD_RANK,
                "module "
                    + e.getKey()
                    + ": lora_A "
                    + a.shape()
                    + " and lora_B "
                    + b.shape()
                    + " must both be 2-dimensional"));
        continue;
      }
      if (a.dim(0) != b.dim(1) || a.dim(0) < 1 || a.dim(0) > Integer.MAX_VALUE) {
        problems.add(
            new Problem(
                ProblemKind.BAD_RANK,
                "module "
                    + e.getKey()
                    + ": lora_A "
                    + a.shape()
                    + " and lora_B "
                    + b.shape()
                    + " disagree on the rank"));
        continue;
      }
      pairs.put(e.getKey(), new Pair(e.getKey(), a, b));
    }
    return new AdapterTensorLayout(pairs, problems);
  }

  private record KeyAndHalf(ModuleKey key, char half) {}

  private static Optional<KeyAndHalf> classify(TensorInfo t, List<Problem> problems) {
    String name = t.name();
    Matcher m = LAYER_TENSOR.matcher(name);
    if (m.matches()) {
      Optional<LinearModule> module = LinearModule.byName(m.group(3));
      if (module.isPresent() && module.get().block().equals(m.group(2))) {
        int layer = Integer.parseInt(m.group(1));
        return Optional.of(
            new KeyAndHalf(new ModuleKey(layer, module.get()), m.group(4).charAt(0)));
      }
      problems.add(
          new Problem(
              ProblemKind.UNRECOGNIZED_TENSOR,
              "tensor '"
                  + name
                  + "': "
                  + m.group(2)
                  + "."
                  + m.group(3)
                  + " is not a linear module of a Llama-family layer"));
      return Optional.empty();
    }
    Matcher h = HEAD_TENSOR.matcher(name);
    if (h.matches()) {
      return Optional.of(new KeyAndHalf(ModuleKey.head(), h.group(1).charAt(0)));
    }
    if (name.contains("lora_magnitude_vector") || name.contains("dora_scale")) {
      problems.add(
          new Problem(ProblemKind.DORA_TENSOR, "tensor '" + name + "' is a DoRA magnitude vector"));
    } else {
      problems.add(
          new Problem(
              ProblemKind.UNRECOGNIZED_TENSOR,
              "tensor '" + name + "' is not a PEFT LoRA A/B weight of a Llama-family model"));
    }
    return Optional.empty();
  }

  public Map<ModuleKey, Pair> pairs() {
    return pairs;
  }

  public List<Problem> problems() {
    return problems;
  }
}
