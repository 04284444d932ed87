package io.lorafleet.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.lorafleet.api.v1alpha1.finetunejob.LoraSpec;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.trainer.TrainerFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Reads trainer.json (or the same document as YAML): unknown fields and a newer schemaVersion are
 * refused with a message naming the field, the CRD's schema defaults are applied to absent fields,
 * and the values are checked against the CRD's rules ({@link ConfigValidator}).
 */
public final class ConfigReader {
  public static final String INVALID_CONFIG = "InvalidConfig";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final ObjectMapper YAML = new YAMLMapper();

  private ConfigReader() {}

  public static TrainerConfig read(Path file) throws TrainerFailure {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw TrainerFailure.badInput(INVALID_CONFIG, "config file " + file + " does not exist");
    } catch (IOException e) {
      throw TrainerFailure.badInput(INVALID_CONFIG, "cannot read config file " + file + ": " + e);
    }
    return parse(bytes, file.getFileName().toString());
  }

  /** Parses a config; {@code name} only labels messages and picks YAML for .yaml/.yml. */
  public static TrainerConfig parse(byte[] bytes, String name) throws TrainerFailure {
    JsonNode root = tree(bytes, name);
    checkSchemaVersion(root, name);
    TrainerConfig raw;
    try {
      raw = JSON.treeToValue(root, TrainerConfig.class);
    } catch (JsonProcessingException e) {
      throw TrainerFailure.badInput(INVALID_CONFIG, name + ": " + describe(e));
    }
    TrainerConfig filled =
        new TrainerConfig(
            raw.schemaVersion(),
            raw.run(),
            raw.baseModel(),
            SchemaDefaults.fill(raw.dataset(), JSON),
            raw.datasetCredentialsDir(),
            SchemaDefaults.fill(
                raw.lora() == null ? new LoraSpec(null, null, null, null, null, null) : raw.lora(),
                JSON),
            SchemaDefaults.fill(raw.training(), JSON),
            raw.output());
    ConfigValidator.validate(filled, name);
    return filled;
  }

  private static JsonNode tree(byte[] bytes, String name) throws TrainerFailure {
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    try {
      JsonNode root = (yaml ? YAML : JSON).readTree(bytes);
      if (root == null || !root.isObject()) {
        throw TrainerFailure.badInput(INVALID_CONFIG, name + ": the config must be an object");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw TrainerFailure.badInput(
          INVALID_CONFIG,
          name + " is not valid " + (yaml ? "YAML" : "JSON") + ": " + shortMessage(e));
    } catch (IOException e) {
      throw TrainerFailure.badInput(INVALID_CONFIG, name + " cannot be parsed: " + e);
    }
  }

  private static void checkSchemaVersion(JsonNode root, String name) throws TrainerFailure {
    JsonNode v = root.get("schemaVersion");
    if (v == null || !v.isIntegralNumber()) {
      throw TrainerFailure.badInput(
          INVALID_CONFIG, name + ": schemaVersion is missing or not an integer");
    }
    if (v.asLong() > TrainerConfig.SCHEMA_VERSION) {
      throw TrainerFailure.badInput(
          INVALID_CONFIG,
          name
              + ": schemaVersion "
              + v.asLong()
              + " is newer than this trainer reads ("
              + TrainerConfig.SCHEMA_VERSION
              + "); use a trainer image as new as the operator");
    }
    if (v.asLong() < 1) {
      throw TrainerFailure.badInput(
          INVALID_CONFIG, name + ": schemaVersion " + v.asLong() + " is not valid");
    }
  }

  private static String describe(JsonProcessingException e) {
    String at = e instanceof JsonMappingException m ? path(m) : "";
    if (e instanceof UnrecognizedPropertyException u) {
      String known =
          u.getKnownPropertyIds() == null
              ? ""
              : u.getKnownPropertyIds().stream()
                  .map(String::valueOf)
                  .sorted()
                  .collect(Collectors.joining(", ", " (known: ", ")"));
      return "unknown field '" + at + "'" + known;
    }
    if (e instanceof InvalidFormatException f) {
      String allowed =
          f.getTargetType() != null && f.getTargetType().isEnum()
              ? " (allowed: " + enumNames(f.getTargetType()) + ")"
              : "";
      return "field '" + at + "' has an invalid value '" + f.getValue() + "'" + allowed;
    }
    return "field '" + at + "': " + shortMessage(e);
  }

  private static String enumNames(Class<?> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(
            c -> {
              try {
                var p =
                    type.getField(((Enum<?>) c).name())
                        .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                return p == null ? ((Enum<?>) c).name() : p.value();
              } catch (NoSuchFieldException ex) {
                return ((Enum<?>) c).name();
              }
            })
        .collect(Collectors.joining(", "));
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static String shortMessage(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    int nl = m == null ? -1 : m.indexOf('\n');
    return nl < 0 ? String.valueOf(m) : m.substring(0, nl);
  }
}
