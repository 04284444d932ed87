package io.lorafleet.artifacts.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.function.BiFunction;

/**
 * Reads small JSON documents (configs, manifests) with duplicate keys rejected, and typed field
 * accessors that turn every shape problem into the caller's own exception type.
 */
public final class StrictJson {
  public static final JsonMapper MAPPER =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

  private final String document;
  private final BiFunction<String, Throwable, RuntimeException> error;

  /**
   * @param document name used in messages, e.g. {@code adapter_config.json}
   * @param error builds the caller's typed exception from a message and an optional cause
   */
  public StrictJson(String document, BiFunction<String, Throwable, RuntimeException> error) {
    this.document = document;
    this.error = error;
  }

  /** Parses bytes that must hold one JSON object. */
  public JsonNode object(byte[] bytes) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw error.apply(document + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw error.apply(document + " could not be read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw fail("must be a JSON object");
    }
    return root;
  }

  public RuntimeException fail(String problem) {
    return error.apply(document + ": " + problem, null);
  }

  /** True when the key is absent or explicitly null. */
  public static boolean absent(JsonNode node, String key) {
    JsonNode v = node.get(key);
    return v == null || v.isNull();
  }

  public String string(JsonNode node, String key, String fallback) {
    if (absent(node, key)) {
      return fallback;
    }
    JsonNode v = node.get(key);
    if (!v.isTextual()) {
      throw fail("'" + key + "' must be a string, found " + v);
    }
    return v.textValue();
  }

  public boolean bool(JsonNode node, String key, boolean fallback) {
    if (absent(node, key)) {
      return fallback;
    }
    JsonNode v = node.get(key);
    if (!v.isBoolean()) {
      throw fail("'" + key + "' must be true or false, found " + v);
    }
    return v.booleanValue();
  }

  /** A positive (or, with {@code min} 0, non-negative) int that fits in 32 bits. */
  public int integer(JsonNode node, String key, int fallback, int min) {
    if (absent(node, key)) {
      if (fallback < min) {
        throw fail("'" + key + "' is required");
      }
      return fallback;
    }
    return integerValue(key, node.get(key), min);
  }

  public int integerValue(String what, JsonNode v, int min) {
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min) {
      throw fail("'" + what + "' must be an integer >= " + min + ", found " + v);
    }
    return v.intValue();
  }

  /** A finite number; {@code positive} additionally requires it to be > 0. */
  public double number(JsonNode node, String key, double fallback, boolean positive) {
    if (absent(node, key)) {
      if (Double.isNaN(fallback)) {
        throw fail("'" + key + "' is required");
      }
      return fallback;
    }
    return numberValue(key, node.get(key), positive);
  }

  public double numberValue(String what, JsonNode v, boolean positive) {
    if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || (positive && v.doubleValue() <= 0)) {
      throw fail(
          "'" + what + "' must be a " + (positive ? "positive " : "") + "number, found " + v);
    }
    return v.doubleValue();
  }
}
