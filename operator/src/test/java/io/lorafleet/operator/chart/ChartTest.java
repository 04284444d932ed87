package io.lorafleet.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** charts/lorafleet lints strictly, renders, and grants least privilege. */
class ChartTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static Helm helm;
  private static Path chart;

  @BeforeAll
  static void installHelm() throws Exception {
    Path root = Path.of(System.getProperty("lorafleet.root"));
    chart = root.resolve("charts/lorafleet");
    helm = Helm.install(root.resolve("operator/target"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "minio.enabled=true,minio.persistence.enabled=true",
        "watchNamespaces={team-a,team-b}",
        "metrics.serviceMonitor=true"
      })
  void lintsStrictly(String values) throws Exception {
    List<String> args = new ArrayList<>(List.of("lint", "--strict", chart.toString()));
    if (!values.isEmpty()) {
      args.addAll(List.of("--set", values));
    }
    assertThat(helm.run(args.toArray(String[]::new))).contains("0 chart(s) failed");
  }

  @Test
  void valuesSchemaRefusesBadValues() {
    assertThatThrownBy(() -> helm.run("lint", "--strict", chart.toString(), "--set", "replicas=0"))
        .hasMessageContaining("replicas");
    assertThatThrownBy(
            () ->
                helm.run(
                    "lint", "--strict", chart.toString(), "--set", "image.pullPolicy=Sometimes"))
        .hasMessageContaining("pullPolicy");
    assertThatThrownBy(() -> helm.run("lint", "--strict", chart.toString(), "--set", "unknown=1"))
        .hasMessageContaining("unknown");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "watchNamespaces={team-a,team-b}"})
  void rbacHasNoWildcardsNoExecAndReadsSecretsOnlyByName(String values) throws Exception {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode doc : render(values)) {
      if (doc.path("kind").asText().matches("Role|ClusterRole")) {
        doc.path("rules").forEach(rules::add);
      }
    }
    assertThat(rules).isNotEmpty();
    for (JsonNode rule : rules) {
      for (String field : List.of("verbs", "resources", "apiGroups")) {
        rule.path(field).forEach(v -> assertThat(v.asText()).as(field).doesNotContain("*"));
      }
      rule.path("resources").forEach(r -> assertThat(r.asText()).isNotEqualTo("pods/exec"));
      if (contains(rule.path("resources"), "secrets")) {
        List<String> verbs = new ArrayList<>();
        rule.path("verbs").forEach(v -> verbs.add(v.asText()));
        assertThat(verbs).containsExactlyInAnyOrder("get", "create");
      }
      if (contains(rule.path("resources"), "pods")) {
        rule.path("verbs").forEach(v -> assertThat(v.asText()).isIn("get", "list", "watch"));
      }
    }
  }

  @Test
  void operatorRunsNonRootOnAReadOnlyFilesystemWithoutCapabilities() throws Exception {
    JsonNode deployment =
        render("").stream()
            .filter(d -> d.path("kind").asText().equals("Deployment"))
            .findFirst()
            .orElseThrow();
    JsonNode pod = deployment.at("/spec/template/spec");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    JsonNode container = pod.at("/containers/0");
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(container.at("/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");
  }

  @Test
  void chartShipsTheCommittedCrds() throws Exception {
    Path crds = chart.getParent().getParent().resolve("crds");
    try (var files = Files.list(crds)) {
      for (Path crd : files.toList()) {
        assertThat(chart.resolve("crds").resolve(crd.getFileName()))
            .as("chart copy of %s", crd.getFileName())
            .hasSameTextualContentAs(crd);
      }
    }
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode item : array) {
      if (item.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static List<JsonNode> render(String values) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("template", "t", chart.toString(), "--namespace", "lorafleet"));
    if (!values.isEmpty()) {
      args.addAll(List.of("--set", values));
    }
    String yaml = helm.run(args.toArray(String[]::new));
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = YAML.createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc != null && doc.isObject()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }
}
