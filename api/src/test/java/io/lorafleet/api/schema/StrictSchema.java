package io.lorafleet.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The openAPIV3Schema as a JSON Schema that rejects unknown fields, like kubectl's strict field
 * validation; the API server would silently prune them, which hides typos in manifests.
 */
final class StrictSchema {
  private StrictSchema() {}

  static JsonNode of(JsonNode openApiSchema) {
    ObjectNode copy = openApiSchema.deepCopy();
    // The envelope: metadata is validated by the API server itself, not by the CRD schema.
    ObjectNode properties = (ObjectNode) copy.get("properties");
    properties.set("apiVersion", JsonNodeFactory.instance.objectNode().put("type", "string"));
    properties.set("kind", JsonNodeFactory.instance.objectNode().put("type", "string"));
    properties.set("metadata", JsonNodeFactory.instance.objectNode().put("type", "object"));
    close(copy);
    return copy;
  }

  private static void close(JsonNode schema) {
    if (!(schema instanceof ObjectNode node)) {
      return;
    }
    if (node.has("properties")
        && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
        && !node.has("additionalProperties")) {
      node.put("additionalProperties", false);
    }
    node.path("properties").forEach(StrictSchema::close);
    close(node.get("items"));
    close(node.get("additionalProperties"));
    node.path("anyOf").forEach(StrictSchema::close);
  }
}
