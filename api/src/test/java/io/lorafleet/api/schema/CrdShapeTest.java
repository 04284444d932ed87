package io.lorafleet.api.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What kubectl shows from the committed CRDs: names, columns, and a description everywhere. */
class CrdShapeTest {
  private static final Map<Kinds, String> SHORT_NAMES =
      Map.of(
          Kinds.BASE_MODEL, "bm",
          Kinds.LORA_ADAPTER, "lad",
          Kinds.FINE_TUNE_JOB, "ftj",
          Kinds.MERGE_POLICY, "mp");

  private static JsonNode crd(Kinds kind) throws Exception {
    return Manifests.YAML.readTree(
        Files.readString(RepositoryFiles.crds().resolve(kind.fileName())));
  }

  @ParameterizedTest
  @EnumSource(Kinds.class)
  void namesScopeAndSubresources(Kinds kind) throws Exception {
    JsonNode spec = crd(kind).path("spec");
    assertThat(spec.path("group").asText()).isEqualTo("lorafleet.io");
    assertThat(spec.path("scope").asText()).isEqualTo("Namespaced");
    assertThat(spec.at("/names/shortNames/0").asText()).isEqualTo(SHORT_NAMES.get(kind));
    assertThat(spec.at("/names/categories/0").asText()).isEqualTo("lorafleet");
    JsonNode version = spec.path("versions").path(0);
    assertThat(version.path("name").asText()).isEqualTo("v1alpha1");
    assertThat(version.at("/subresources/status").isObject()).isTrue();
  }

  /**
   * Review C4: conditions are a map keyed by type, so server-side apply and strategic merges treat
   * each condition as its own entry (as metav1.Condition lists are declared upstream).
   */
  @ParameterizedTest
  @EnumSource(Kinds.class)
  void conditionsAreAListMapKeyedByType(Kinds kind) throws Exception {
    JsonNode conditions =
        crd(kind)
            .path("spec")
            .path("versions")
            .path(0)
            .at("/schema/openAPIV3Schema/properties/status/properties/conditions");
    assertThat(conditions.path("x-kubernetes-list-type").asText()).isEqualTo("map");
    assertThat(conditions.path("x-kubernetes-list-map-keys").toString()).isEqualTo("[\"type\"]");
    assertThat(conditions.at("/items/required").toString()).contains("\"type\"");
  }

  @ParameterizedTest
  @EnumSource(Kinds.class)
  void printerColumnsStartWithHealthAndEndWithAge(Kinds kind) throws Exception {
    List<String> columns = new ArrayList<>();
    crd(kind)
        .at("/spec/versions/0/additionalPrinterColumns")
        .forEach(c -> columns.add(c.path("name").asText()));
    assertThat(columns.getFirst()).isIn("Ready", "Phase");
    assertThat(columns.getLast()).isEqualTo("Age");
    assertThat(columns).contains("Reason");
  }

  @ParameterizedTest
  @EnumSource(Kinds.class)
  void everyFieldHasADescription(Kinds kind) throws Exception {
    JsonNode root = crd(kind).at("/spec/versions/0/schema/openAPIV3Schema");
    List<String> undocumented = new ArrayList<>();
    root.path("properties")
        .properties()
        .forEach(e -> collectUndocumented(e.getValue(), e.getKey(), undocumented));
    assertThat(undocumented).as("fields kubectl explain would show without text").isEmpty();
  }

  private static void collectUndocumented(JsonNode schema, String path, List<String> out) {
    if (schema.path("description").asText("").isBlank()) {
      out.add(path);
    }
    schema
        .path("properties")
        .properties()
        .forEach(e -> collectUndocumented(e.getValue(), path + "." + e.getKey(), out));
    JsonNode items = schema.path("items");
    if (items.has("properties")) {
      items
          .path("properties")
          .properties()
          .forEach(e -> collectUndocumented(e.getValue(), path + "[]." + e.getKey(), out));
    }
  }
}
