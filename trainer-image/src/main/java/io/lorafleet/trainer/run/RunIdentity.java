package io.lorafleet.trainer.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.api.v1alpha1.jobs.ValidationSplit;
import io.lorafleet.artifacts.store.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What identifies a run's result: the checkpoint fingerprint (settings and input digests, so a
 * checkpoint is only resumed by the run that could have written it) and the lineage recorded in the
 * published version's manifest and in result.json.
 */
public final class RunIdentity {
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  private RunIdentity() {}

  public static String fingerprint(TrainerConfig c, String baseDigest, String datasetDigest) {
    Map<String, Object> m = new TreeMap<>();
    m.put("trainerSchema", TrainerConfig.SCHEMA_VERSION);
    m.put("lora", c.lora());
    m.put("training", c.training());
    m.put("format", c.dataset().format());
    m.put("validationSplit", c.dataset().validationSplit());
    m.put("baseModelDigest", baseDigest);
    m.put("datasetDigest", datasetDigest);
    try {
      return Sha256.hex(JSON.writeValueAsBytes(m));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Lineage keys the operator reads ({@code fineTuneJob}, {@code baseModelDigest}, {@code
   * datasetDigest}) plus the run's uid and namespace and every hyperparameter.
   */
  public static Map<String, String> lineage(
      TrainerConfig c, String baseDigest, String datasetDigest) {
    Map<String, String> l = new LinkedHashMap<>();
    if (c.run().name() != null) {
      l.put("fineTuneJob", c.run().name());
    }
    if (c.run().namespace() != null) {
      l.put("fineTuneJob.namespace", c.run().namespace());
    }
    if (c.run().uid() != null) {
      l.put("fineTuneJob.uid", c.run().uid());
    }
    l.put("baseModelDigest", baseDigest);
    l.put("datasetDigest", datasetDigest);
    l.put(ValidationSplit.FORMAT_KEY, JSON.convertValue(c.dataset().format(), String.class));
    l.put("dataset.validationSplit", String.valueOf(c.dataset().validationSplit()));
    var lora = c.lora();
    l.put("lora.rank", String.valueOf(lora.rank()));
    l.put("lora.alpha", String.valueOf(lora.alpha()));
    l.put("lora.dropout", String.valueOf(lora.dropout()));
    l.put(
        "lora.targetModules",
        lora.targetModules().stream()
            .map(t -> JSON.convertValue(t, String.class))
            .collect(Collectors.joining(",")));
    l.put("lora.init", JSON.convertValue(lora.init(), String.class));
    l.put("lora.useRslora", String.valueOf(lora.useRslora()));
    Map<String, Object> training =
        JSON.convertValue(c.training(), new TypeReference<Map<String, Object>>() {});
    training.forEach((k, v) -> l.put("training." + k, String.valueOf(v)));
    return l;
  }

  static String moduleName(TargetModule t) {
    return JSON.convertValue(t, String.class);
  }
}
