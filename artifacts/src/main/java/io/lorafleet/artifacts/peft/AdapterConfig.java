package io.lorafleet.artifacts.peft;

import io.lorafleet.artifacts.hf.LinearModule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The fields of a PEFT LoRA {@code adapter_config.json} that change what the adapter computes.
 * Pattern maps keep their insertion order because PEFT takes the first matching key.
 */
public record AdapterConfig(
    int r,
    double loraAlpha,
    ModuleSelector targetModules,
    Optional<ModuleSelector> excludeModules,
    boolean useRslora,
    Map<String, Integer> rankPattern,
    Map<String, Double> alphaPattern,
    boolean fanInFanOut,
    List<Integer> layersToTransform,
    String bias,
    boolean loraBias,
    boolean useDora,
    List<String> modulesToSave,
    Optional<String> baseModelNameOrPath,
    String taskType,
    double loraDropout,
    List<String> otherUnsupported) {

  public AdapterConfig {
    rankPattern = Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern));
    alphaPattern = Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
    layersToTransform = List.copyOf(layersToTransform);
    modulesToSave = List.copyOf(modulesToSave);
    otherUnsupported = List.copyOf(otherUnsupported);
  }

  /** A plain config: rank, alpha and target module names, everything else at PEFT defaults. */
  public static AdapterConfig of(int r, double alpha, List<String> targets) {
    return of(r, alpha, targets, false, 0.0);
  }

  /** A plain config with rsLoRA on or off and the dropout it was trained with (as PEFT saves). */
  public static AdapterConfig of(
      int r, double alpha, List<String> targets, boolean useRslora, double loraDropout) {
    return new AdapterConfig(
        r,
        alpha,
        new ModuleSelector.Names(targets),
        Optional.empty(),
        useRslora,
        Map.of(),
        Map.of(),
        false,
        List.of(),
        "none",
        false,
        false,
        List.of(),
        Optional.empty(),
        "CAUSAL_LM",
        loraDropout,
        List.of());
  }

  /** Whether LoRA is applied to the module at {@code path} in decoder layer {@code layer}. */
  public boolean targets(LinearModule module, int layer) {
    String path = module.path(layer);
    if (!targetModules.matches(path, module)) {
      return false;
    }
    if (excludeModules.isPresent() && excludeModules.get().matches(path, module)) {
      return false;
    }
    return !module.inDecoderLayer()
        || layersToTransform.isEmpty()
        || layersToTransform.contains(layer);
  }

  /** Rank PEFT creates for this module: the first matching {@code rank_pattern} key, else r. */
  public int rankFor(String path) {
    return firstMatch(rankPattern, path).orElse(r);
  }

  /** Alpha for this module: the first matching {@code alpha_pattern} key, else lora_alpha. */
  public double alphaFor(String path) {
    return firstMatch(alphaPattern, path).orElse(loraAlpha);
  }

  /** The LoRA scale {@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA. */
  public double scaleFor(String path, int rank) {
    double alpha = alphaFor(path);
    return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
  }

  /** Human-readable reasons we refuse this adapter; empty when every feature is supported. */
  public List<String> unsupportedFeatures() {
    List<String> out = new ArrayList<>();
    if (useDora) {
      out.add("use_dora=true (DoRA) is not supported");
    }
    if (!modulesToSave.isEmpty()) {
      out.add("modules_to_save " + modulesToSave + " (full fine-tuned modules) is not supported");
    }
    if (!bias.equals("none")) {
      out.add("bias=\"" + bias + "\" is not supported (only \"none\")");
    }
    if (loraBias) {
      out.add("lora_bias=true is not supported");
    }
    if (fanInFanOut) {
      out.add(
          "fan_in_fan_out=true (Conv1D-style weights) is not supported for Llama-family models");
    }
    out.addAll(otherUnsupported);
    return out;
  }

  /**
   * PEFT's {@code get_pattern_key}: key {@code k} matches when {@code (.*\.)?(k)$} matches the
   * whole module name; the first such key in insertion order wins.
   */
  private static <V> Optional<V> firstMatch(Map<String, V> patterns, String path) {
    for (Map.Entry<String, V> e : patterns.entrySet()) {
      if (BoundedRegex.fullMatch(Pattern.compile("(.*\\.)?(" + e.getKey() + ")$"), path)) {
        return Optional.of(e.getValue());
      }
    }
    return Optional.empty();
  }
}
