package io.lorafleet.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a JSON value into the CEL value Kubernetes gives a rule, typed by the schema: "number"
 * is always a double (also when written as 2), "integer" an int, int-or-string either.
 */
final class CelValues {
  private CelValues() {}

  static Object of(JsonNode schema, JsonNode value) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return null;
    }
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return value.isIntegralNumber() ? (Object) value.asLong() : value.asText();
    }
    String type = schema.path("type").asText("");
    return switch (type) {
      case "integer" -> value.isIntegralNumber() ? value.asLong() : untyped(value);
      case "number" -> value.isNumber() ? value.asDouble() : untyped(value);
      case "string", "boolean" -> untyped(value);
      case "array" -> {
        List<Object> items = new ArrayList<>();
        value.forEach(item -> items.add(of(schema.path("items"), item)));
        yield items;
      }
      case "object" -> object(schema, value);
      default -> untyped(value);
    };
  }

  private static Object object(JsonNode schema, JsonNode value) {
    if (!value.isObject()) {
      return untyped(value);
    }
    Map<String, Object> map = new LinkedHashMap<>();
    value
        .properties()
        .forEach(
            e -> {
              JsonNode fieldSchema =
                  schema.path("properties").has(e.getKey())
                      ? schema.path("properties").path(e.getKey())
                      : schema.path("additionalProperties");
              map.put(e.getKey(), of(fieldSchema, e.getValue()));
            });
    return map;
  }

  /** Values whose schema says nothing more: JSON's own types. */
  private static Object untyped(JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.asLong();
    }
    if (value.isNumber()) {
      return value.asDouble();
    }
    if (value.isBoolean()) {
      return value.asBoolean();
    }
    if (value.isTextual()) {
      return value.asText();
    }
    if (value.isArray()) {
      List<Object> items = new ArrayList<>();
      value.forEach(item -> items.add(untyped(item)));
      return items;
    }
    if (value.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      value.properties().forEach(e -> map.put(e.getKey(), untyped(e.getValue())));
      return map;
    }
    return null;
  }
}
