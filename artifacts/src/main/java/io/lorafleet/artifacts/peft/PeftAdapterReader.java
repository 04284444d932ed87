package io.lorafleet.artifacts.peft;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads a PEFT adapter directory into a {@link LoraAdapter}, refusing what we cannot honour. */
public final class PeftAdapterReader {
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  private PeftAdapterReader() {}

  public static LoraAdapter read(Path dir) throws IOException {
    if (!Files.exists(dir.resolve(AdapterConfigParser.FILE_NAME))) {
      throw new AdapterConfigException(
          "adapter in " + dir + " has no " + AdapterConfigParser.FILE_NAME);
    }
    AdapterConfig config = AdapterConfigParser.read(dir.resolve(AdapterConfigParser.FILE_NAME));
    if (!config.unsupportedFeatures().isEmpty()) {
      throw new AdapterConfigException(
          "adapter in " + dir + " is refused: " + String.join("; ", config.unsupportedFeatures()));
    }
    Path weights = dir.resolve(WEIGHTS_FILE);
    if (!Files.exists(weights)) {
      throw new AdapterConfigException(
          Files.exists(dir.resolve("adapter_model.bin"))
              ? "adapter in "
                  + dir
                  + " has only adapter_model.bin (pickle), which is not"
                  + " supported: save it with safe_serialization=True"
              : "adapter in " + dir + " has no " + WEIGHTS_FILE);
    }
    try (SafetensorsFile file = SafetensorsFile.open(weights)) {
      return toCanonical(config, file);
    }
  }

  private static LoraAdapter toCanonical(AdapterConfig config, SafetensorsFile file) {
    AdapterTensorLayout layout = AdapterTensorLayout.of(file.header().tensors().values());
    if (!layout.problems().isEmpty()) {
      throw new AdapterConfigException(
          WEIGHTS_FILE + ": " + layout.problems().getFirst().message());
    }
    if (layout.pairs().isEmpty()) {
      throw new AdapterConfigException(WEIGHTS_FILE + " holds no LoRA tensors");
    }
    Set<DType> dtypes = new HashSet<>();
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    for (AdapterTensorLayout.Pair p : layout.pairs().values()) {
      ModuleKey key = p.key();
      if (!config.targets(key.module(), key.layer())) {
        throw new AdapterConfigException(
            "module "
                + key
                + " has LoRA tensors but target_modules/layers_to_transform do not"
                + " select it");
      }
      int expected = config.rankFor(key.path());
      if (p.rank() != expected) {
        throw new AdapterConfigException(
            "module " + key + " has rank " + p.rank() + " but the config says " + expected);
      }
      if (p.in() > Integer.MAX_VALUE || p.out() > Integer.MAX_VALUE) {
        throw new AdapterConfigException("module " + key + " is too large");
      }
      dtypes.add(p.a().dtype());
      dtypes.add(p.b().dtype());
      if (!p.a().dtype().isFloatingPoint() || !p.b().dtype().isFloatingPoint()) {
        throw new AdapterConfigException(
            "module "
                + key
                + " is stored as "
                + p.a().dtype()
                + "/"
                + p.b().dtype()
                + "; LoRA weights must be F32, BF16 or F16");
      }
      modules.put(
          key,
          new LoraWeights(
              key,
              p.rank(),
              (int) p.in(),
              (int) p.out(),
              config.scaleFor(key.path(), p.rank()),
              file.readFloats(p.a().name()),
              file.readFloats(p.b().name())));
    }
    // Mixed storage dtypes are read fine; report the widest so a rewrite loses nothing.
    DType dtype =
        dtypes.contains(DType.F32) || dtypes.size() > 1 ? DType.F32 : dtypes.iterator().next();
    return new LoraAdapter(config, modules, dtype);
  }
}
