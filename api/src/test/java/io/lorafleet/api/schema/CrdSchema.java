package io.lorafleet.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.runtime.CelEvaluationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the API server does with a custom resource before storing it, from a committed CRD:
 * defaulting, structural validation of openAPIV3Schema (with unknown fields rejected, as kubectl's
 * strict validation does), and every x-kubernetes-validations CEL rule, transition rules against
 * the old object on updates. No API server can run on these machines; this is the test stand-in.
 */
public final class CrdSchema {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Map<Kinds, CrdSchema> LOADED = new ConcurrentHashMap<>();

  /** Every (rule, outcome) seen by any CrdSchema in this JVM, for the rule coverage test. */
  static final Set<String> HELD = ConcurrentHashMap.newKeySet();

  static final Set<String> VIOLATED = ConcurrentHashMap.newKeySet();

  private final JsonNode openApiSchema;
  private final JsonSchema structural;

  private CrdSchema(JsonNode openApiSchema) {
    this.openApiSchema = openApiSchema;
    JsonNode strict = StrictSchema.of(openApiSchema);
    this.structural = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(strict);
  }

  public static CrdSchema of(Kinds kind) {
    return LOADED.computeIfAbsent(kind, k -> load(RepositoryFiles.crds().resolve(k.fileName())));
  }

  static CrdSchema load(Path crdFile) {
    try {
      JsonNode crd = YAML.readTree(crdFile.toFile());
      return new CrdSchema(
          crd.path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonNode openApiSchema() {
    return openApiSchema;
  }

  /** A copy of the object with the schema's defaults filled in, as the API server stores it. */
  public JsonNode withDefaults(JsonNode object) {
    JsonNode copy = object.deepCopy();
    Defaults.apply(openApiSchema, copy);
    return copy;
  }

  /** Violations of a create; empty when the API server would accept the object. */
  public List<String> validateCreate(JsonNode object) {
    return validate(withDefaults(object), null);
  }

  /** Violations of an update from oldObject (as stored) to newObject. */
  public List<String> validateUpdate(JsonNode oldObject, JsonNode newObject) {
    return validate(withDefaults(newObject), withDefaults(oldObject));
  }

  private List<String> validate(JsonNode object, JsonNode old) {
    List<String> violations = new ArrayList<>();
    for (ValidationMessage message : structural.validate(object)) {
      violations.add(message.getMessage());
    }
    // Like the API server, rules run only on objects with the declared shape.
    if (violations.isEmpty()) {
      checkRules(openApiSchema, object, old, "", violations);
    }
    return violations;
  }

  private void checkRules(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<String> violations) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      boolean transition = CelRules.isTransitionRule(expression);
      if (transition && (old == null || old.isMissingNode())) {
        continue;
      }
      String where = path + rule.path("fieldPath").asText("");
      try {
        boolean holds =
            CelRules.holds(
                expression,
                CelValues.of(schema, value),
                transition ? CelValues.of(schema, old) : null);
        (holds ? HELD : VIOLATED).add(expression);
        if (!holds) {
          violations.add(label(where) + rule.path("message").asText("failed rule: " + expression));
        }
      } catch (CelEvaluationException e) {
        VIOLATED.add(expression);
        violations.add(label(where) + "rule evaluation error: " + e.getMessage());
      }
    }
    if (value.isObject()) {
      JsonNode properties = schema.path("properties");
      value
          .properties()
          .forEach(
              e -> {
                JsonNode child =
                    properties.has(e.getKey())
                        ? properties.get(e.getKey())
                        : schema.path("additionalProperties");
                if (child.isObject()) {
                  checkRules(
                      child,
                      e.getValue(),
                      old == null ? null : old.get(e.getKey()),
                      path + "." + e.getKey(),
                      violations);
                }
              });
    } else if (value.isArray()) {
      // Lists are atomic here: Kubernetes correlates old items only for map-type lists.
      for (int i = 0; i < value.size(); i++) {
        checkRules(schema.path("items"), value.get(i), null, path + "[" + i + "]", violations);
      }
    }
  }

  private static String label(String path) {
    return path.isEmpty() ? "" : path.substring(1) + ": ";
  }

  /** Fills schema defaults top-down, descending into values it just defaulted. */
  static final class Defaults {
    private Defaults() {}

    static void apply(JsonNode schema, JsonNode value) {
      if (value instanceof ObjectNode object) {
        JsonNode properties = schema.path("properties");
        properties
            .properties()
            .forEach(
                e -> {
                  if (!object.has(e.getKey()) && e.getValue().has("default")) {
                    object.set(e.getKey(), e.getValue().get("default").deepCopy());
                  }
                });
        object
            .properties()
            .forEach(
                e -> {
                  JsonNode child =
                      properties.has(e.getKey())
                          ? properties.get(e.getKey())
                          : schema.path("additionalProperties");
                  apply(child, e.getValue());
                });
      } else if (value != null && value.isArray()) {
        value.forEach(item -> apply(schema.path("items"), item));
      }
    }
  }
}
