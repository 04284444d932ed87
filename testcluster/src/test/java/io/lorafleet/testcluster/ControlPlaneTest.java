package io.lorafleet.testcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.lorafleet.ports.TakenFirst;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control plane behaves as a cluster's: controllers run, RBAC and Pod Security enforce. */
class ControlPlaneTest {
  @TempDir static Path dir;
  static ControlPlane plane;
  static KubernetesClient admin;

  @BeforeAll
  static void start() throws IOException {
    plane =
        ControlPlane.start(
            dir,
            Optional.of(
                new Audit(dir.resolve("audit.log"), List.of("system:serviceaccounts:audited"))));
    admin = plane.adminClient();
  }

  @AfterAll
  static void stop() {
    if (plane != null) {
      plane.close();
    }
  }

  @Test
  void reportsThePinnedVersion() {
    assertThat(admin.getKubernetesVersion().getGitVersion()).isEqualTo("v1.34.4");
  }

  @Test
  void jobControllerGeneratesTheSelectorAndCreatesThePod() {
    String ns = namespace("jobs");
    Job created =
        admin
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName("work")
                    .endMetadata()
                    .withNewSpec()
                    .withNewTemplate()
                    .withNewSpec()
                    .withRestartPolicy("Never")
                    .addNewContainer()
                    .withName("main")
                    .withImage("busybox")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    String uid = created.getMetadata().getUid();
    assertThat(created.getSpec().getSelector().getMatchLabels())
        .containsEntry("batch.kubernetes.io/controller-uid", uid);
    assertThat(created.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("batch.kubernetes.io/job-name", "work")
        .containsEntry("batch.kubernetes.io/controller-uid", uid);
    // The Job controller creates the pod; with no node, the scheduler marks it unschedulable.
    awaitTrue(
        "the Job's pod is created and found unschedulable",
        () ->
            admin
                .pods()
                .inNamespace(ns)
                .withLabel("batch.kubernetes.io/job-name", "work")
                .list()
                .getItems()
                .stream()
                .anyMatch(
                    p ->
                        p.getStatus().getConditions().stream()
                            .anyMatch(
                                c ->
                                    c.getType().equals("PodScheduled")
                                        && "Unschedulable".equals(c.getReason()))));
    // Deleting the Job in the background leaves its pod to the garbage collector.
    admin.batch().v1().jobs().inNamespace(ns).withName("work").delete();
    awaitTrue(
        "the garbage collector deletes the Job's pod",
        () -> admin.pods().inNamespace(ns).list().getItems().isEmpty());
  }

  @Test
  void deploymentControllerCreatesAReplicaSet() {
    String ns = namespace("deployments");
    admin
        .apps()
        .deployments()
        .inNamespace(ns)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("web")
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .addToMatchLabels("app", "web")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "web")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    awaitTrue(
        "a ReplicaSet and its pod",
        () ->
            !admin.apps().replicaSets().inNamespace(ns).list().getItems().isEmpty()
                && !admin.pods().inNamespace(ns).list().getItems().isEmpty());
  }

  @Test
  void serviceAccountsAreAuthorizedByRbacOnly() {
    String ns = namespace("rbac");
    admin
        .serviceAccounts()
        .inNamespace(ns)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("app").endMetadata().build())
        .create();
    try (KubernetesClient app =
        new KubernetesClientBuilder().withConfig(plane.serviceAccountConfig(ns, "app")).build()) {
      assertThatThrownBy(() -> app.configMaps().inNamespace(ns).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
          .hasMessageContaining("system:serviceaccount:" + ns + ":app");
      admin
          .rbac()
          .roles()
          .inNamespace(ns)
          .resource(
              new RoleBuilder()
                  .withNewMetadata()
                  .withName("read-config")
                  .endMetadata()
                  .addNewRule()
                  .withApiGroups("")
                  .withResources("configmaps")
                  .withVerbs("list")
                  .endRule()
                  .build())
          .create();
      admin
          .rbac()
          .roleBindings()
          .inNamespace(ns)
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName("app-reads-config")
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "Role", "read-config")
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withName("app")
                  .withNamespace(ns)
                  .endSubject()
                  .build())
          .create();
      // RBAC changes reach the authorizer through an informer: allowed within moments.
      awaitTrue(
          "the Role to take effect",
          () -> {
            try {
              app.configMaps().inNamespace(ns).list();
              return true;
            } catch (KubernetesClientException e) {
              return false;
            }
          });
    }
  }

  @Test
  void podSecurityRestrictedRejectsARootPod() {
    String ns = namespace("restricted");
    admin
        .namespaces()
        .withName(ns)
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                    .endMetadata()
                    .build());
    assertThatThrownBy(
            () ->
                admin
                    .pods()
                    .inNamespace(ns)
                    .resource(
                        new PodBuilder()
                            .withNewMetadata()
                            .withName("root")
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("main")
                            .withImage("busybox")
                            .endContainer()
                            .endSpec()
                            .build())
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
        .hasMessageContaining("violates PodSecurity \"restricted:latest\"");
  }

  /**
   * A second plane whose first etcd port is taken before etcd binds it (as an outgoing connection
   * or another listener can): it starts again on new ports, keeps the failed attempt's logs, and
   * closing it stops every process.
   */
  @Test
  void startsAgainWhenAPortWasTakenAndStopsEveryProcess() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      TakenFirst takenFirst = new TakenFirst(taken.getLocalPort());
      try (ControlPlane second =
          ControlPlane.start(dir.resolve("second"), Optional.empty(), takenFirst)) {
        assertThat(dir.resolve("second-attempt1-logs/etcd.log"))
            .content()
            .contains("address already in use");
        URI url = URI.create(second.url());
        assertThat(listening(url)).isTrue();
        second.close();
        assertThat(listening(url)).isFalse();
      }
    }
  }

  private static boolean listening(URI url) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void theAuditLogHasTheAuditedServiceAccountsRequestsAndNoOneElses() {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("audited").endMetadata().build())
        .create();
    admin
        .serviceAccounts()
        .inNamespace("audited")
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("app").endMetadata().build())
        .create();
    admin.configMaps().inNamespace("audited").list();
    try (KubernetesClient app =
        new KubernetesClientBuilder()
            .withConfig(plane.serviceAccountConfig("audited", "app"))
            .build()) {
      assertThatThrownBy(() -> app.configMaps().inNamespace("audited").list())
          .isInstanceOf(KubernetesClientException.class);
    }
    List<AuditEvent> events = AuditEvent.read(plane.audit().orElseThrow().log());
    assertThat(events)
        .anyMatch(
            e ->
                e.user().equals("system:serviceaccount:audited:app")
                    && e.verb().equals("list")
                    && e.groupResource().equals("/configmaps")
                    && e.namespace().equals("audited")
                    && e.code() == 403
                    && e.deniedByAuthorization())
        .allMatch(e -> e.user().equals("system:serviceaccount:audited:app"));
  }

  private static String namespace(String prefix) {
    String name = prefix + "-" + Long.toHexString(System.nanoTime());
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  private static void awaitTrue(String what, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
