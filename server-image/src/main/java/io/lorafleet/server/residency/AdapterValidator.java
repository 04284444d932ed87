package io.lorafleet.server.residency;

import io.lorafleet.artifacts.ArtifactFormatException;
import io.lorafleet.artifacts.compat.CompatibilityChecker;
import io.lorafleet.artifacts.compat.CompatibilityLimits;
import io.lorafleet.artifacts.compat.CompatibilityReport;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.AdapterConfigParser;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.engine.lora.AdapterShapeMismatchException;
import io.lorafleet.engine.lora.LoadedAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks an adapter directory against the base model before any weight is read (the artifacts
 * compatibility check, whose first reason becomes the refusal code), then parses it.
 */
public final class AdapterValidator {
  private AdapterValidator() {}

  /** Refuses with the compatibility check's first typed reason. */
  public static void check(Path dir, ModelConfig base, int maxRank) throws AdapterLoadException {
    Path configFile = dir.resolve(AdapterConfigParser.FILE_NAME);
    Path weights = dir.resolve(PeftAdapterReader.WEIGHTS_FILE);
    if (!Files.exists(configFile) || !Files.exists(weights)) {
      throw AdapterLoadException.refused(
          "ArtifactNotFound",
          dir
              + " needs "
              + AdapterConfigParser.FILE_NAME
              + " and "
              + PeftAdapterReader.WEIGHTS_FILE);
    }
    CompatibilityReport report;
    try {
      report =
          CompatibilityChecker.check(
              AdapterConfigParser.read(configFile),
              SafetensorsFile.readHeader(weights).tensors().values(),
              base,
              CompatibilityLimits.maxRank(maxRank));
    } catch (ArtifactFormatException | IOException e) {
      throw AdapterLoadException.refused("InvalidArtifact", e.getMessage());
    }
    if (!report.compatible()) {
      throw AdapterLoadException.refused(
          report.problems().getFirst().reason().conditionReason(), report.summary());
    }
  }

  /**
   * One NaN or infinity in A or B (scale folded in) turns every logit of every row using the
   * adapter into NaN (completions of NUL characters), so such weights are refused at load.
   */
  static void requireFinite(LoadedAdapter adapter) throws AdapterLoadException {
    for (var e : adapter.modules().entrySet()) {
      for (float[] m : new float[][] {e.getValue().a(), e.getValue().b()}) {
        for (float x : m) {
          if (!Float.isFinite(x)) {
            throw AdapterLoadException.refused(
                "NonFiniteWeights", "module " + e.getKey() + " has a NaN or infinite weight");
          }
        }
      }
    }
  }

  /** Parses the weights into the kernels' form under the table key {@code key}. */
  public static LoadedAdapter parse(Path dir, String key, ModelConfig base)
      throws AdapterLoadException {
    try {
      LoraAdapter adapter = PeftAdapterReader.read(dir);
      LoadedAdapter loaded = LoadedAdapter.of(key, adapter, base);
      requireFinite(loaded);
      return loaded;
    } catch (ArtifactFormatException | IOException e) {
      throw AdapterLoadException.refused("InvalidArtifact", e.getMessage());
    } catch (AdapterShapeMismatchException e) {
      throw AdapterLoadException.refused("ShapeMismatch", e.getMessage());
    }
  }
}
