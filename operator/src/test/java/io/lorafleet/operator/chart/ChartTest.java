package io.lorafleet.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.basemodel.RouterResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }

  private static String env(List<JsonNode> docs, String name) {
    for (JsonNode var :
        ofKind(docs, "Deployment").getFirst().at("/spec/template/spec/containers/0/env")) {
      if (var.path("name").asText().equals(name)) {
        return var.path("value").asText();
      }
    }
    return null;
  }

  /** Review R1: cluster-wide grants only when asked; by default Roles in the release namespace. */
  @Test
  void byDefaultTheOperatorWatchesItsOwnNamespaceWithARole() throws Exception {
    List<JsonNode> docs = render("");
    assertThat(ofKind(docs, "ClusterRole")).isEmpty();
    assertThat(ofKind(docs, "ClusterRoleBinding")).isEmpty();
    assertThat(ofKind(docs, "Role"))
        .allSatisfy(r -> assertThat(r.at("/metadata/namespace").asText()).isEqualTo("lorafleet"));
    assertThat(env(docs, "QUARKUS_OPERATOR_SDK_NAMESPACES")).isEqualTo("lorafleet");

    List<JsonNode> listed = render("watchNamespaces={team-a,team-b}");
    assertThat(ofKind(listed, "ClusterRole")).isEmpty();
    assertThat(env(listed, "QUARKUS_OPERATOR_SDK_NAMESPACES")).isEqualTo("team-a,team-b");

    List<JsonNode> wide = render("clusterWide=true");
    assertThat(ofKind(wide, "ClusterRole")).hasSize(1);
    assertThat(env(wide, "QUARKUS_OPERATOR_SDK_NAMESPACES")).isEqualTo("JOSDK_ALL_NAMESPACES");
  }

  /** Review R3: two releases never share a cluster-scoped object or the leader-election Lease. */
  @Test
  void twoReleasesNeverShareAClusterScopedObjectOrALease() throws Exception {
    List<JsonNode> a = render("team-a", "clusterWide=true");
    List<JsonNode> b = render("team-b", "clusterWide=true");
    for (String kind : List.of("ClusterRole", "ClusterRoleBinding")) {
      assertThat(ofKind(a, kind).getFirst().at("/metadata/name").asText())
          .isNotEqualTo(ofKind(b, kind).getFirst().at("/metadata/name").asText());
    }
    assertThat(env(a, "LORAFLEET_OPERATOR_LEASE_NAME"))
        .isNotBlank()
        .isNotEqualTo(env(b, "LORAFLEET_OPERATOR_LEASE_NAME"));
  }

  /**
   * Review R2: every grant is in docs/operator.md's table with its reason, and nothing else is
   * granted (the unused ones, e.g. events.k8s.io, patch on events, delete on loraadapters, update
   * on basemodels, are gone).
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "clusterWide=true"})
  void everyGrantIsDocumentedWithItsReason(String values) throws Exception {
    java.util.Set<String> granted = new java.util.TreeSet<>();
    for (JsonNode doc : render(values)) {
      if (!doc.path("kind").asText().matches("Role|ClusterRole")) {
        continue;
      }
      for (JsonNode rule : doc.path("rules")) {
        for (JsonNode group : rule.path("apiGroups")) {
          for (JsonNode resource : rule.path("resources")) {
            for (JsonNode verb : rule.path("verbs")) {
              String g = group.asText().isEmpty() ? "(core)" : group.asText();
              granted.add(g + " " + resource.asText() + " " + verb.asText());
            }
          }
        }
      }
    }
    java.util.Set<String> documented = new java.util.TreeSet<>();
    String docs = Files.readString(chart.getParent().getParent().resolve("docs/operator.md"));
    String table = docs.substring(docs.indexOf("## Permissions"));
    for (String line : table.split("\n")) {
      String[] cells = line.split("\\|");
      if (cells.length < 5
          || cells[1].isBlank()
          || cells[1].contains("---")
          || cells[1].contains("API group")) {
        continue;
      }
      for (String resource : cells[2].split(",")) {
        for (String verb : cells[3].split(",")) {
          documented.add(cells[1].trim() + " " + resource.trim() + " " + verb.trim());
        }
      }
      assertThat(cells[4].trim()).as("reason for " + cells[2]).isNotEmpty();
    }
    assertThat(granted).isEqualTo(documented);
  }

  /** Review C1: the CRDs' rules need the 1.29 CEL environment (isQuantity, enum-aware costs). */
  @Test
  void theChartRefusesKubernetesOlderThan129() throws Exception {
    JsonNode meta = YAML.readTree(chart.resolve("Chart.yaml").toFile());
    assertThat(meta.path("kubeVersion").asText()).isEqualTo(">=1.29.0-0");
    assertThatThrownBy(
            () -> helm.run("template", "t", chart.toString(), "--kube-version", "1.28.9"))
        .hasMessageContaining("kubeVersion");
    assertThat(helm.run("template", "t", chart.toString(), "--kube-version", "1.29.0"))
        .contains("kind: Deployment");
  }

  /**
   * Review T3: under a default-deny ingress policy the operator still reaches the serving pods'
   * admin port, and only the operator's own pods are let in.
   */
  @Test
  void aNetworkPolicyLetsTheOperatorReachTheServingPodsAdminPort() throws Exception {
    List<JsonNode> policies = ofKind(render("watchNamespaces={team-a,team-b}"), "NetworkPolicy");
    assertThat(policies)
        .extracting(p -> p.at("/metadata/namespace").asText())
        .containsExactlyInAnyOrder("team-a", "team-b");
    JsonNode spec = policies.getFirst().path("spec");
    assertThat(spec.at("/podSelector/matchLabels/app.kubernetes.io~1component").asText())
        .isEqualTo("server");
    assertThat(spec.at("/podSelector/matchLabels/app.kubernetes.io~1managed-by").asText())
        .isEqualTo("lorafleet-operator");
    JsonNode from = spec.at("/ingress/0/from/0");
    assertThat(from.at("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo("lorafleet");
    JsonNode operatorPods =
        ofKind(render("watchNamespaces={team-a,team-b}"), "Deployment")
            .getFirst()
            .at("/spec/selector/matchLabels");
    assertThat(from.at("/podSelector/matchLabels")).isEqualTo(operatorPods);
    assertThat(spec.at("/ingress/0/ports/0/port").asInt()).isEqualTo(8000);
  }

  /**
   * The policy isolates the serving pods, so it must also admit what the operator itself puts in
   * front of them: every pool's router pods (their labels as RouterWorkload writes them; same
   * namespace, so no namespaceSelector). Without it a CNI that enforces NetworkPolicy cuts every
   * router off its pool. Others (monitoring, a vLLM pool's clients) come from extraIngressFrom.
   */
  @Test
  void theNetworkPolicyAdmitsThePoolRoutersAndTheConfiguredPeers() throws Exception {
    JsonNode spec =
        ofKind(render("watchNamespaces={team-a}"), "NetworkPolicy").getFirst().path("spec");
    JsonNode routers = spec.at("/ingress/0/from/1");
    assertThat(routers.has("namespaceSelector")).isFalse();
    BaseModel pool = new BaseModel();
    pool.setMetadata(new ObjectMetaBuilder().withName("any").build());
    Map<String, String> routerPodLabels = RouterResources.labels(pool);
    routers
        .path("podSelector")
        .path("matchLabels")
        .properties()
        .forEach(
            label ->
                assertThat(routerPodLabels)
                    .as("a router pod's labels")
                    .containsEntry(label.getKey(), label.getValue().asText()));
    assertThat(routers.path("podSelector").path("matchLabels").size()).isEqualTo(2);
    assertThat(spec.at("/ingress/0/from").size()).isEqualTo(2);

    JsonNode withMonitoring =
        ofKind(
                render(
                    "watchNamespaces={team-a},networkPolicy.extraIngressFrom[0].namespaceSelector"
                        + ".matchLabels.team=monitoring"),
                "NetworkPolicy")
            .getFirst()
            .at("/spec/ingress/0/from");
    assertThat(withMonitoring.size()).isEqualTo(3);
    assertThat(withMonitoring.at("/2/namespaceSelector/matchLabels/team").asText())
        .isEqualTo("monitoring");
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
    return render("t", values);
  }

  private static List<JsonNode> render(String release, String values) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("template", release, chart.toString(), "--namespace", "lorafleet"));
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
