package io.lorafleet.api.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads YAML manifests and edits them by path, e.g. "spec.sources[1].weight". */
public final class Manifests {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Manifests() {}

  public static List<JsonNode> readAll(Path file) {
    try (JsonParser parser = YAML.createParser(file.toFile())) {
      List<JsonNode> documents = new ArrayList<>();
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          documents.add(doc);
        }
      }
      return documents;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode parse(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy with the value at path replaced (or added); the value is given as YAML. */
  public static JsonNode with(JsonNode manifest, String path, String yamlValue) {
    return with(manifest, path, parse(yamlValue));
  }

  public static JsonNode with(JsonNode manifest, String path, JsonNode value) {
    JsonNode copy = manifest.deepCopy();
    Step last = parent(copy, path);
    if (last.index >= 0) {
      ((ArrayNode) last.container).set(last.index, value);
    } else {
      ((ObjectNode) last.container).set(last.name, value);
    }
    return copy;
  }

  /** A copy without the field at path. */
  public static JsonNode without(JsonNode manifest, String path) {
    JsonNode copy = manifest.deepCopy();
    Step last = parent(copy, path);
    ((ObjectNode) last.container).remove(last.name);
    return copy;
  }

  private record Step(JsonNode container, String name, int index) {}

  private static Step parent(JsonNode root, String path) {
    String[] parts = path.split("\\.");
    JsonNode node = root;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      int bracket = part.indexOf('[');
      String name = bracket < 0 ? part : part.substring(0, bracket);
      int index =
          bracket < 0 ? -1 : Integer.parseInt(part.substring(bracket + 1, part.length() - 1));
      boolean isLast = i == parts.length - 1;
      if (isLast && index < 0) {
        return new Step(node, name, -1);
      }
      node = node.get(name);
      if (node == null) {
        throw new IllegalArgumentException("no field " + name + " on the way to " + path);
      }
      if (isLast) {
        return new Step(node, null, index);
      }
      if (index >= 0) {
        node = node.get(index);
      }
    }
    throw new IllegalArgumentException("empty path");
  }
}
