package io.lorafleet.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Renders docs/api.md from the committed CRDs: the field tables kubectl explain would print. */
final class ApiReference {
  private ApiReference() {}

  static String render() throws Exception {
    StringBuilder md = new StringBuilder();
    md.append("# API reference: lorafleet.io/v1alpha1\n\n")
        .append("Generated from `crds/` by `ApiReferenceTest`; do not edit. Regenerate with\n")
        .append("`./mvnw -pl api test -Dtest=ApiReferenceTest -Dlorafleet.update=true`.\n")
        .append("Every field is also available as `kubectl explain <kind>.spec...`.\n")
        .append("Fields marked *required* must be set; defaults are applied by the API server.\n");
    for (Kinds kind : Kinds.values()) {
      JsonNode crd =
          Manifests.YAML.readTree(RepositoryFiles.crds().resolve(kind.fileName()).toFile());
      JsonNode spec = crd.path("spec");
      JsonNode version = spec.path("versions").path(0);
      md.append("\n## ").append(kind.kind()).append("\n\n");
      md.append("`kubectl get ")
          .append(spec.at("/names/plural").asText())
          .append("` (short name `")
          .append(spec.at("/names/shortNames/0").asText())
          .append("`, category `lorafleet`). Columns: ");
      List<String> columns = new ArrayList<>();
      version
          .path("additionalPrinterColumns")
          .forEach(
              c ->
                  columns.add(
                      c.path("name").asText()
                          + (c.path("priority").asInt() > 0 ? " (with -o wide)" : "")));
      md.append(String.join(", ", columns)).append(".\n\n");
      md.append("| Field | Type | Default | Description |\n|---|---|---|---|\n");
      JsonNode root = version.at("/schema/openAPIV3Schema");
      fields(root.path("properties").path("spec"), "spec", true, md);
      fields(root.path("properties").path("status"), "status", false, md);
      List<String> rules = new ArrayList<>();
      rules(root, "", rules);
      md.append("\nValidation (rejected by the API server with these messages):\n\n");
      rules.forEach(r -> md.append("- ").append(r).append('\n'));
    }
    return md.toString();
  }

  private static void fields(JsonNode schema, String path, boolean required, StringBuilder md) {
    md.append("| `")
        .append(path)
        .append("` | ")
        .append(type(schema))
        .append(required ? ", *required*" : "")
        .append(" | ")
        .append(schema.has("default") ? "`" + schema.get("default") + "`" : "")
        .append(" | ")
        .append(schema.path("description").asText().replace("|", "\\|").replace("\n", " "))
        .append(" |\n");
    JsonNode object = schema.has("items") ? schema.get("items") : schema;
    String prefix = schema.has("items") ? path + "[]" : path;
    List<String> requiredFields = new ArrayList<>();
    object.path("required").forEach(r -> requiredFields.add(r.asText()));
    object
        .path("properties")
        .properties()
        .forEach(
            e ->
                fields(
                    e.getValue(),
                    prefix + "." + e.getKey(),
                    requiredFields.contains(e.getKey()),
                    md));
  }

  private static String type(JsonNode schema) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return "int or string";
    }
    String type = schema.path("type").asText("object");
    if (type.equals("array")) {
      return "list of " + type(schema.path("items"));
    }
    if (type.equals("object") && schema.has("additionalProperties")) {
      return "map of " + type(schema.path("additionalProperties"));
    }
    if (schema.has("enum")) {
      List<String> values = new ArrayList<>();
      schema.path("enum").forEach(v -> values.add(v.asText()));
      return "one of " + String.join(", ", values);
    }
    return type;
  }

  private static void rules(JsonNode schema, String path, List<String> out) {
    schema
        .path("x-kubernetes-validations")
        .forEach(
            r -> {
              String where = (path + r.path("fieldPath").asText("")).replaceFirst("^\\.", "");
              out.add((where.isEmpty() ? "" : "`" + where + "`: ") + r.path("message").asText());
            });
    schema
        .path("properties")
        .properties()
        .forEach(e -> rules(e.getValue(), path + "." + e.getKey(), out));
    if (schema.has("items")) {
      rules(schema.get("items"), path + "[]", out);
    }
  }
}
