package io.lorafleet.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.testcluster.AuditEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The operator's RBAC as the real API server saw it during the whole test suite. Runs after the
 * unit-test phase (a second surefire execution in {@code integration-test}, see the pom), on the
 * audit log that kube-apiserver wrote for the operator's ServiceAccount while the real-plane tests
 * ran (see {@link RealCluster}): no request of the operator was denied, and every grant the chart
 * renders was used by some request or is listed, with its reason, under "Grants no test request
 * uses" in docs/operator.md (a listed grant that a test now uses is reported, not failed). Requests
 * of test probes that authenticate as the ServiceAccount ({@link RealCluster#PROBE_USER_AGENT}) are
 * not the operator's and are left out. The usage table is written to {@code
 * target/rbac-audit/usage.md}.
 */
@Order(Integer.MAX_VALUE) // last of the after-suite tests (ClassOrderer.OrderAnnotation there)
class OperatorRbacAuditIT {
  private static List<AuditEvent> operatorRequests;

  /**
   * What the bootstrap ClusterRole system:basic-user grants every authenticated user, not the
   * chart: JOSDK's leader election asks which verbs it has on Leases.
   */
  private static final Set<String> GRANTED_TO_EVERY_USER =
      Set.of(
          "authorization.k8s.io selfsubjectaccessreviews create",
          "authorization.k8s.io selfsubjectrulesreviews create",
          "authentication.k8s.io selfsubjectreviews create");

  @BeforeAll
  static void readTheAuditLog() throws Exception {
    Path suite = RealCluster.auditDir().resolve("suite.log");
    assertThat(suite)
        .as("the audit log of the real-plane tests (run the whole operator suite first)")
        .exists();
    String user =
        "system:serviceaccount:" + RealCluster.OPERATOR_NAMESPACE + ":" + serviceAccountName();
    List<AuditEvent> events = new ArrayList<>();
    try (var logs = Files.list(RealCluster.auditDir())) {
      // The suite's, and the after-suite tests' that ran before this one (the packaged operator).
      logs.filter(f -> f.toString().endsWith(".log"))
          .forEach(f -> events.addAll(AuditEvent.read(f)));
    }
    operatorRequests =
        events.stream()
            .filter(e -> e.user().equals(user))
            .filter(e -> !e.userAgent().startsWith(RealCluster.PROBE_USER_AGENT))
            .toList();
    Files.writeString(RealCluster.auditDir().resolve("usage.md"), usageTable());
  }

  @Test
  void noRequestOfTheOperatorWasDenied() {
    assertThat(operatorRequests).as("the operator's requests").hasSizeGreaterThan(100);
    // A 403 the authorizer allowed is the API server refusing the content, not the chart's RBAC:
    // an Event the operator writes while a namespace is being deleted (NamespaceTerminating).
    assertThat(operatorRequests.stream().filter(AuditEvent::deniedByAuthorization))
        .as("denied requests (verb, resource, URI)")
        .isEmpty();
  }

  @Test
  void everyGrantIsUsedOrItsDisuseIsJustifiedInTheDocs() throws Exception {
    Set<String> used = new TreeSet<>();
    for (AuditEvent e : operatorRequests) {
      if (!e.resource().isEmpty()) {
        used.add(grant(e.apiGroup(), resourceOf(e), e.verb()));
      }
    }
    Set<String> unused = new TreeSet<>(granted());
    unused.removeAll(used);
    // Every unused grant must be justified; a justified one that some test now uses is only
    // reported (the table is then stale), so that more real-plane coverage never fails the build.
    assertThat(justifiedUnused()).as("grants no request used, justified").containsAll(unused);
    Set<String> nowUsed = new TreeSet<>(justifiedUnused());
    nowUsed.removeAll(unused);
    if (!nowUsed.isEmpty()) {
      System.err.println("docs/operator.md lists as unused grants that requests used: " + nowUsed);
    }
    Set<String> ungranted = new TreeSet<>(used);
    ungranted.removeAll(granted());
    ungranted.removeAll(GRANTED_TO_EVERY_USER);
    assertThat(ungranted).as("used but not granted (an allow from elsewhere?)").isEmpty();
  }

  private static String resourceOf(AuditEvent e) {
    return e.subresource().isEmpty() ? e.resource() : e.resource() + "/" + e.subresource();
  }

  private static String grant(String group, String resource, String verb) {
    return (group.isEmpty() ? "(core)" : group) + " " + resource + " " + verb;
  }

  /** (group resource verb) of every rule of the Roles and ClusterRoles the chart renders. */
  private static Set<String> granted() throws Exception {
    Set<String> granted = new TreeSet<>();
    for (HasMetadata object : rbac()) {
      List<PolicyRule> rules =
          object instanceof ClusterRole c
              ? c.getRules()
              : object instanceof Role r ? r.getRules() : List.of();
      for (PolicyRule rule : rules) {
        for (String group : rule.getApiGroups()) {
          for (String resource : rule.getResources()) {
            for (String verb : rule.getVerbs()) {
              granted.add(grant(group, resource, verb));
            }
          }
        }
      }
    }
    return granted;
  }

  /** The rows of docs/operator.md's "Grants no test request uses" table. */
  private static Set<String> justifiedUnused() throws Exception {
    String docs = Files.readString(RealCluster.root().resolve("docs/operator.md"));
    String heading = "### Grants no test request uses";
    assertThat(docs).contains(heading);
    String section = docs.substring(docs.indexOf(heading));
    int next = section.indexOf("\n#", heading.length());
    section = next < 0 ? section : section.substring(0, next);
    Set<String> justified = new TreeSet<>();
    for (String line : section.split("\n")) {
      String[] cells = line.split("\\|");
      if (cells.length < 5 || cells[1].contains("---") || cells[1].contains("API group")) {
        continue;
      }
      assertThat(cells[4].trim()).as("reason for " + cells[2]).isNotEmpty();
      for (String resource : cells[2].split(",")) {
        for (String verb : cells[3].split(",")) {
          justified.add(cells[1].trim() + " " + resource.trim() + " " + verb.trim());
        }
      }
    }
    return justified;
  }

  private static List<HasMetadata> rbac() throws Exception {
    // The same rendering RealCluster applied (clusterWide=true); the client only parses YAML.
    try (KubernetesClient parser =
        new KubernetesClientBuilder().withConfig(Config.empty()).build()) {
      return ChartRbac.render(
          parser,
          RealCluster.root(),
          "lorafleet",
          RealCluster.OPERATOR_NAMESPACE,
          "clusterWide=true");
    }
  }

  private static String serviceAccountName() throws Exception {
    return rbac().stream()
        .filter(o -> o.getKind().equals("ServiceAccount"))
        .map(o -> o.getMetadata().getName())
        .findFirst()
        .orElseThrow();
  }

  /** verb, group, resource, scope (namespaced or cluster/all namespaces), requests, denied. */
  private static String usageTable() {
    Map<String, List<AuditEvent>> rows =
        operatorRequests.stream()
            .filter(e -> !e.resource().isEmpty())
            .collect(
                Collectors.groupingBy(
                    e ->
                        "| "
                            + (e.apiGroup().isEmpty() ? "(core)" : e.apiGroup())
                            + " | "
                            + resourceOf(e)
                            + " | "
                            + e.verb()
                            + " | "
                            + (e.namespace().isEmpty() ? "cluster / all namespaces" : "namespace")
                            + " |",
                    TreeMap::new,
                    Collectors.toList()));
    List<String> lines = new ArrayList<>();
    lines.add("| API group | resource | verb | scope | requests | denied |");
    lines.add("|---|---|---|---|---|---|");
    rows.forEach(
        (row, events) ->
            lines.add(
                row
                    + " "
                    + events.size()
                    + " | "
                    + events.stream().filter(e -> e.code() == 403).count()
                    + " |"));
    return String.join("\n", lines) + "\n";
  }
}
