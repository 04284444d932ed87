package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.operator.chart.ChartRbac;
import io.lorafleet.testcluster.Audit;
import io.lorafleet.testcluster.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real control plane (lorafleet-testcluster) set up as an install leaves a cluster: the
 * committed CRDs from crds/ applied, and the chart's ServiceAccount and RBAC, rendered by helm, in
 * {@value #OPERATOR_NAMESPACE}. One per test JVM. The API server audits every request of the
 * ServiceAccounts of {@value #OPERATOR_NAMESPACE} into {@link #auditLog()}, which
 * chart.OperatorRbacAuditIT checks after the suite.
 */
public final class RealCluster {
  public static final String OPERATOR_NAMESPACE = "lorafleet-system";

  /**
   * The user agent of test clients that authenticate as the operator's ServiceAccount to probe its
   * RBAC (their 403s are expected): the audit check leaves their requests out.
   */
  public static final String PROBE_USER_AGENT = "lorafleet-rbac-probe";

  private static RealCluster instance;

  private final ControlPlane plane;
  private final String operatorServiceAccount;

  private RealCluster(ControlPlane plane, String operatorServiceAccount) {
    this.plane = plane;
    this.operatorServiceAccount = operatorServiceAccount;
  }

  public static synchronized RealCluster get() {
    if (instance == null) {
      try {
        instance =
            setUp(
                ControlPlane.shared(
                    Optional.of(
                        new Audit(
                            auditLog(), List.of("system:serviceaccounts:" + OPERATOR_NAMESPACE)))));
      } catch (Exception e) {
        throw new IllegalStateException("cannot set up the real control plane", e);
      }
    }
    return instance;
  }

  /**
   * The audit log of the operator's requests in this JVM: {@code
   * operator/target/rbac-audit/<lorafleet.rbac-audit>.log}, "suite" for the unit-test phase (the
   * after-suite execution names its own, see the pom).
   */
  public static Path auditLog() {
    return auditDir().resolve(System.getProperty("lorafleet.rbac-audit", "suite") + ".log");
  }

  /** Where every JVM of the build writes its audit log. */
  public static Path auditDir() {
    return root().resolve("operator/target/rbac-audit");
  }

  public static Path root() {
    return Path.of(System.getProperty("lorafleet.root", "..")).toAbsolutePath().normalize();
  }

  private static RealCluster setUp(ControlPlane plane) throws Exception {
    KubernetesClient admin = plane.adminClient();
    for (CustomResourceDefinition crd : committedCrds(admin)) {
      // Server-side apply, as `kubectl apply --server-side -f crds/`: the server validates the
      // schema, the CEL rules' types and their estimated cost.
      admin.resource(crd).forceConflicts().serverSideApply();
    }
    for (CustomResourceDefinition crd : committedCrds(admin)) {
      admin
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(RealCluster::established, 30, TimeUnit.SECONDS);
    }
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(OPERATOR_NAMESPACE)
                .endMetadata()
                .build())
        .serverSideApply();
    // clusterWide: each test makes its own tenant namespaces, which a running operator watches
    // (the chart's default, a Role in the release namespace only, is checked by ChartTest).
    List<HasMetadata> rbac =
        ChartRbac.render(admin, root(), "lorafleet", OPERATOR_NAMESPACE, "clusterWide=true");
    String serviceAccount = null;
    for (HasMetadata object : rbac) {
      if (object.getMetadata().getNamespace() == null
          && (object.getKind().equals("ServiceAccount")
              || object.getKind().equals("Role")
              || object.getKind().equals("RoleBinding"))) {
        object.getMetadata().setNamespace(OPERATOR_NAMESPACE);
      }
      admin.resource(object).forceConflicts().serverSideApply();
      if (object.getKind().equals("ServiceAccount")) {
        serviceAccount = object.getMetadata().getName();
      }
    }
    if (serviceAccount == null) {
      throw new IllegalStateException("the chart renders no ServiceAccount");
    }
    return new RealCluster(plane, serviceAccount);
  }

  /** The CRDs as committed under crds/, the files `kubectl apply -f crds/` installs. */
  public static List<CustomResourceDefinition> committedCrds(KubernetesClient client)
      throws Exception {
    try (var files = Files.list(root().resolve("crds"))) {
      return files
          .filter(f -> f.toString().endsWith(".yaml"))
          .sorted()
          .map(f -> client.apiextensions().v1().customResourceDefinitions().load(f.toFile()).item())
          .toList();
    }
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
  }

  public ControlPlane plane() {
    return plane;
  }

  /** A member of system:masters, for what the tests (not the operator) do. */
  public KubernetesClient admin() {
    return plane.adminClient();
  }

  public String operatorServiceAccount() {
    return operatorServiceAccount;
  }

  /** Authenticates as the chart's ServiceAccount, with a token the API server issued for it. */
  public Config operatorConfig() {
    return plane.serviceAccountConfig(OPERATOR_NAMESPACE, operatorServiceAccount);
  }

  /**
   * A new namespace that enforces Pod Security "restricted", as a hardened cluster's tenant
   * namespaces do.
   */
  public String restrictedNamespace(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    admin()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .endMetadata()
                .build())
        .create();
    return name;
  }
}
