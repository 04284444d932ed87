package io.lorafleet.artifacts.peft;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.artifacts.json.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses {@code adapter_config.json} as written by PEFT (and Unsloth/TRL through PEFT). Malformed
 * values are rejected here; supported-but-refused features are reported by {@link
 * AdapterConfig#unsupportedFeatures()} so the compatibility check can surface them as a reason.
 */
public final class AdapterConfigParser {
  public static final String FILE_NAME = "adapter_config.json";
  private static final Set<String> BIAS_VALUES = Set.of("none", "all", "lora_only");

  private AdapterConfigParser() {}

  public static AdapterConfig read(Path file) throws IOException {
    return parse(Files.readAllBytes(file));
  }

  public static AdapterConfig parse(byte[] bytes) {
    StrictJson j = new StrictJson(FILE_NAME, AdapterConfigException::new);
    JsonNode root = j.object(bytes);

    String peftType = j.string(root, "peft_type", null);
    if (!"LORA".equals(peftType)) {
      throw j.fail("peft_type must be \"LORA\", found " + root.get("peft_type"));
    }
    if (StrictJson.absent(root, "target_modules")) {
      throw j.fail("'target_modules' is required");
    }
    String bias = j.string(root, "bias", "none");
    if (!BIAS_VALUES.contains(bias)) {
      throw j.fail("'bias' must be one of none, all, lora_only; found \"" + bias + "\"");
    }
    List<String> other = new ArrayList<>();
    for (String key :
        List.of("layer_replication", "trainable_token_indices", "target_parameters")) {
      JsonNode v = root.get(key);
      if (v != null && !v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
        other.add(key + " is not supported");
      }
    }
    return new AdapterConfig(
        j.integer(root, "r", 8, 1),
        j.number(root, "lora_alpha", 8, true),
        selector(j, root, "target_modules"),
        StrictJson.absent(root, "exclude_modules")
            ? Optional.empty()
            : Optional.of(selector(j, root, "exclude_modules")),
        j.bool(root, "use_rslora", false),
        intPattern(j, root, "rank_pattern"),
        numberPattern(j, root, "alpha_pattern"),
        j.bool(root, "fan_in_fan_out", false),
        layers(j, root),
        bias,
        j.bool(root, "lora_bias", false),
        j.bool(root, "use_dora", false),
        strings(j, root, "modules_to_save"),
        Optional.ofNullable(j.string(root, "base_model_name_or_path", null)),
        j.string(root, "task_type", "CAUSAL_LM"),
        dropout(j, root),
        other);
  }

  private static double dropout(StrictJson j, JsonNode root) {
    double d = j.number(root, "lora_dropout", 0.0, false);
    if (d < 0 || d >= 1) {
      throw j.fail("'lora_dropout' must be in [0, 1), found " + d);
    }
    return d;
  }

  private static ModuleSelector selector(StrictJson j, JsonNode root, String key) {
    JsonNode v = root.get(key);
    if (v.isTextual()) {
      if (v.textValue().equals(ModuleSelector.AllLinear.JSON)) {
        return new ModuleSelector.AllLinear();
      }
      return new ModuleSelector.Regex(compile(j, key, v.textValue()));
    }
    List<String> names = strings(j, root, key);
    if (names.isEmpty()) {
      throw j.fail("'" + key + "' must not be empty");
    }
    return new ModuleSelector.Names(names);
  }

  private static List<String> strings(StrictJson j, JsonNode root, String key) {
    if (StrictJson.absent(root, key)) {
      return List.of();
    }
    JsonNode v = root.get(key);
    if (!v.isArray()) {
      throw j.fail("'" + key + "' must be a list of strings or null, found " + v);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual() || e.textValue().isEmpty()) {
        throw j.fail("'" + key + "' entries must be non-empty strings, found " + e);
      }
      out.add(e.textValue());
    }
    return out;
  }

  private static List<Integer> layers(StrictJson j, JsonNode root) {
    String key = "layers_to_transform";
    if (StrictJson.absent(root, key)) {
      return List.of();
    }
    JsonNode v = root.get(key);
    if (v.isNumber()) {
      return List.of(j.integerValue(key, v, 0));
    }
    if (!v.isArray()) {
      throw j.fail("'" + key + "' must be an integer, a list of integers or null, found " + v);
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode e : v) {
      out.add(j.integerValue(key, e, 0));
    }
    return out;
  }

  private static Map<String, Integer> intPattern(StrictJson j, JsonNode root, String key) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : patternEntries(j, root, key)) {
      out.put(e.getKey(), j.integerValue(key + "." + e.getKey(), e.getValue(), 1));
    }
    return out;
  }

  private static Map<String, Double> numberPattern(StrictJson j, JsonNode root, String key) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : patternEntries(j, root, key)) {
      out.put(e.getKey(), j.numberValue(key + "." + e.getKey(), e.getValue(), true));
    }
    return out;
  }

  private static Set<Map.Entry<String, JsonNode>> patternEntries(
      StrictJson j, JsonNode root, String key) {
    if (StrictJson.absent(root, key)) {
      return Set.of();
    }
    JsonNode v = root.get(key);
    if (!v.isObject()) {
      throw j.fail("'" + key + "' must be an object, found " + v);
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      compile(j, key, "(.*\\.)?(" + e.getKey() + ")$");
    }
    return v.properties();
  }

  private static Pattern compile(StrictJson j, String key, String regex) {
    if (regex.length() > BoundedRegex.MAX_PATTERN_LENGTH) {
      throw j.fail(
          "'" + key + "' regular expression is longer than " + BoundedRegex.MAX_PATTERN_LENGTH);
    }
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException | StackOverflowError e) {
      String why = e instanceof PatternSyntaxException p ? p.getDescription() : "nested too deeply";
      throw j.fail("'" + key + "' holds an invalid regular expression: " + why);
    }
  }
}
