package io.lorafleet.cli;

import io.lorafleet.artifacts.ArtifactFormatException;
import io.lorafleet.artifacts.compat.CompatibilityChecker;
import io.lorafleet.artifacts.compat.CompatibilityLimits;
import io.lorafleet.artifacts.compat.CompatibilityReport;
import io.lorafleet.artifacts.compat.Incompatibility;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.LinearShape;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.AdapterConfigParser;
import io.lorafleet.artifacts.peft.AdapterTensorLayout;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsHeader;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Prints what an artifact is: an adapter (rank, modules, shapes) or a base model (sizes). */
final class Inspector {
  private final PrintWriter out;

  Inspector(PrintWriter out) {
    this.out = out;
  }

  /**
   * Returns the compatibility report when a base was given, so the caller can set the exit code.
   */
  Optional<CompatibilityReport> inspect(ArtifactView v, Optional<ArtifactView> base, int maxRank)
      throws IOException {
    row("location", v.location());
    v.digest().ifPresent(d -> row("digest", "sha256-" + d));
    long bytes = v.files().values().stream().mapToLong(Long::longValue).sum();
    row("size", human(bytes) + " in " + v.files().size() + " files");
    if (v.has(AdapterConfigParser.FILE_NAME)) {
      return adapter(v, base, maxRank);
    }
    if (v.has(ModelConfigParser.FILE_NAME)) {
      model(v);
      return Optional.empty();
    }
    throw new ArtifactFormatException(
        v.location() + " holds neither adapter_config.json (an adapter) nor config.json (a model)");
  }

  private Optional<CompatibilityReport> adapter(
      ArtifactView v, Optional<ArtifactView> base, int maxRank) throws IOException {
    AdapterConfig c = AdapterConfigParser.parse(v.read(AdapterConfigParser.FILE_NAME));
    row("kind", "LoRA adapter (PEFT)");
    row("base model", c.baseModelNameOrPath().orElse("(not recorded)"));
    row(
        "rank",
        c.r()
            + " (alpha "
            + num(c.loraAlpha())
            + ", scale "
            + num(c.useRslora() ? c.loraAlpha() / Math.sqrt(c.r()) : c.loraAlpha() / c.r())
            + (c.useRslora() ? ", rsLoRA" : "")
            + (c.rankPattern().isEmpty() ? "" : ", rank_pattern " + c.rankPattern())
            + ")");
    row("target modules", String.valueOf(c.targetModules().toJson()));
    if (!c.unsupportedFeatures().isEmpty()) {
      row("refused", String.join("; ", c.unsupportedFeatures()));
    }
    List<TensorInfo> tensors = List.of();
    if (v.has(PeftAdapterReader.WEIGHTS_FILE)) {
      SafetensorsHeader h = v.safetensorsHeader(PeftAdapterReader.WEIGHTS_FILE);
      tensors = new ArrayList<>(h.tensors().values());
      describeLora(tensors);
    } else {
      row("weights", "missing " + PeftAdapterReader.WEIGHTS_FILE);
    }
    if (base.isEmpty()) {
      return Optional.empty();
    }
    ModelConfig m = ModelConfigParser.parse(base.get().read(ModelConfigParser.FILE_NAME));
    CompatibilityReport r =
        CompatibilityChecker.check(c, tensors, m, CompatibilityLimits.maxRank(maxRank));
    row(
        "compatibility",
        (r.compatible() ? "compatible with " : "NOT compatible with ")
            + base.get().location()
            + " ("
            + m.architecture()
            + ", max rank "
            + maxRank
            + ")");
    for (Incompatibility i : r.problems()) {
      out.println("  " + i.reason().conditionReason() + ": " + i.message());
    }
    return Optional.of(r);
  }

  private void describeLora(List<TensorInfo> tensors) {
    AdapterTensorLayout layout = AdapterTensorLayout.of(tensors);
    long params = 0;
    TreeSet<Integer> layers = new TreeSet<>();
    Map<String, List<AdapterTensorLayout.Pair>> byModule = new TreeMap<>();
    for (AdapterTensorLayout.Pair p : layout.pairs().values()) {
      params += p.a().numel() + p.b().numel();
      layers.add(p.key().layer());
      byModule.computeIfAbsent(p.key().module().moduleName(), k -> new ArrayList<>()).add(p);
    }
    row("adapted", layout.pairs().size() + " modules in " + layers.size() + " layers");
    row("parameters", String.format(Locale.ROOT, "%,d", params));
    row(
        "dtype",
        tensors.stream()
            .map(TensorInfo::dtype)
            .map(DType::name)
            .distinct()
            .sorted()
            .collect(Collectors.joining(", ")));
    out.println("shapes:");
    byModule.forEach(
        (module, pairs) -> {
          String shapes =
              pairs.stream()
                  .map(p -> "A " + p.a().shape() + "  B " + p.b().shape())
                  .distinct()
                  .collect(Collectors.joining(" | "));
          out.printf(Locale.ROOT, "  %-10s %s  (%d layers)%n", module, shapes, pairs.size());
        });
    for (AdapterTensorLayout.Problem p : layout.problems()) {
      out.println("  problem: " + p.message());
    }
  }

  private void model(ArtifactView v) throws IOException {
    ModelConfig m = ModelConfigParser.parse(v.read(ModelConfigParser.FILE_NAME));
    row("kind", "base model (" + m.architecture() + ")");
    row("layers", String.valueOf(m.numHiddenLayers()));
    row("hidden", m.hiddenSize() + " (intermediate " + m.intermediateSize() + ")");
    row(
        "heads",
        m.numAttentionHeads()
            + " query, "
            + m.numKeyValueHeads()
            + " key/value (head dim "
            + m.headDim()
            + ")");
    row("vocab", String.valueOf(m.vocabSize()));
    row(
        "rope",
        "theta "
            + num(m.ropeTheta())
            + m.ropeScaling()
                .map(r -> ", " + r.type() + " scaling x" + num(r.factor()))
                .orElse(""));
    row("options", "tied embeddings " + m.tieWordEmbeddings() + ", qkv bias " + m.attentionBias());
    row("dtype", m.dtype().name());
    row("parameters", String.format(Locale.ROOT, "%,d (from config.json)", m.parameterCount()));
    long numel = 0;
    int count = 0;
    for (String f : v.files().keySet()) {
      if (f.endsWith(".safetensors")) {
        for (TensorInfo t : v.safetensorsHeader(f).tensors().values()) {
          numel += t.numel();
          count++;
        }
      }
    }
    if (count > 0) {
      row("weights", String.format(Locale.ROOT, "%,d tensors, %,d values", count, numel));
    }
    out.println("linear shapes [out, in]:");
    for (Map.Entry<LinearModule, LinearShape> e : m.linearShapes().entrySet()) {
      out.printf(Locale.ROOT, "  %-10s %s%n", e.getKey().moduleName(), e.getValue());
    }
  }

  private void row(String key, String value) {
    out.printf(Locale.ROOT, "%-15s %s%n", key + ":", value);
  }

  private static String num(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
