package io.lorafleet.artifacts.peft;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a {@link LoraAdapter} as PEFT's {@code save_pretrained} does: {@code adapter_config.json}
 * with the keys PEFT writes and {@code adapter_model.safetensors} with {@code format=pt}.
 */
public final class PeftAdapterWriter {
  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private PeftAdapterWriter() {}

  public static void write(LoraAdapter adapter, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Tensor> tensors = new ArrayList<>();
    DType dtype = adapter.dtype();
    for (LoraWeights w : adapter.modules().values()) {
      tensors.add(
          Tensor.ofFloats(
              w.key().tensorName('A'), dtype, List.of((long) w.rank(), (long) w.in()), w.a()));
      tensors.add(
          Tensor.ofFloats(
              w.key().tensorName('B'), dtype, List.of((long) w.out(), (long) w.rank()), w.b()));
    }
    SafetensorsWriter.write(
        dir.resolve(PeftAdapterReader.WEIGHTS_FILE), tensors, Map.of("format", "pt"));
    Files.write(dir.resolve(AdapterConfigParser.FILE_NAME), configJson(adapter.config()));
  }

  /** The config as PEFT writes it: every key present, sorted, unused ones null or empty. */
  public static byte[] configJson(AdapterConfig c) throws IOException {
    Map<String, Object> m = new TreeMap<>();
    m.put("alpha_pattern", new LinkedHashMap<>(c.alphaPattern()));
    m.put("auto_mapping", null);
    m.put("base_model_name_or_path", c.baseModelNameOrPath().orElse(null));
    m.put("bias", c.bias());
    m.put("corda_config", null);
    m.put("eva_config", null);
    m.put("exclude_modules", c.excludeModules().map(ModuleSelector::toJson).orElse(null));
    m.put("fan_in_fan_out", c.fanInFanOut());
    m.put("inference_mode", true);
    m.put("init_lora_weights", true);
    m.put("layer_replication", null);
    m.put("layers_pattern", null);
    m.put("layers_to_transform", c.layersToTransform().isEmpty() ? null : c.layersToTransform());
    m.put("loftq_config", Map.of());
    m.put("lora_alpha", integralOrDouble(c.loraAlpha()));
    m.put("lora_bias", c.loraBias());
    m.put("lora_dropout", c.loraDropout());
    m.put("megatron_config", null);
    m.put("megatron_core", "megatron.core");
    m.put("modules_to_save", c.modulesToSave().isEmpty() ? null : c.modulesToSave());
    m.put("peft_type", "LORA");
    m.put("r", c.r());
    m.put("rank_pattern", new LinkedHashMap<>(c.rankPattern()));
    m.put("revision", null);
    m.put("target_modules", c.targetModules().toJson());
    m.put("task_type", c.taskType());
    m.put("trainable_token_indices", null);
    m.put("use_dora", c.useDora());
    m.put("use_rslora", c.useRslora());
    return MAPPER.writeValueAsBytes(m);
  }

  // PEFT users write integer alphas; keep "32", not "32.0", so diffs against PEFT output are clean.
  private static Object integralOrDouble(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? (Object) (long) v : (Object) v;
  }
}
