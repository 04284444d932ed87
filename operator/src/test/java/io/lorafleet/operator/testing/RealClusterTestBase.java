package io.lorafleet.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.testing.kubelet.ServingPods;
import io.lorafleet.operator.testing.kubelet.SimulatedJobRunner;
import io.lorafleet.operator.testing.kubelet.SimulatedTrainer;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the controller tests on the real control plane share (each subclass is a {@code QuarkusTest}
 * with {@code @WithTestResource(RealClusterOperator.class)}, so the operator runs in this JVM as
 * the chart's ServiceAccount): S3 on loopback with a tiny model; the kubelet stand-in with fake
 * serving pods ({@link ServingPods}) and simulated merge and training runs ({@link
 * SimulatedJobRunner}, {@link SimulatedTrainer}), one per test class, as only one kubelet may run
 * at a time; a fresh Pod Security "restricted" namespace per test with a credentials Secret named
 * "s3". Tests act as the cluster's admin ({@link #admin}); the operator's own client is not used by
 * the tests, so its RBAC is only exercised by what it does. After the class, no credential may
 * appear in the captured operator log; a class whose tests cause object-store outages also checks
 * that the capture saw their errors ({@link #assertTheCaptureSawTheOutages}).
 */
public abstract class RealClusterTestBase {
  protected static EmbeddedObjectStore objectStore;
  protected static ServingPods kubelet;
  protected static SimulatedJobRunner jobs;
  protected static SimulatedTrainer trainer;
  protected static LogCapture logs;
  protected final KubernetesClient admin = RealCluster.get().admin();
  protected String namespace;

  @BeforeAll
  static void startObjectStoreAndKubelet() throws Exception {
    logs = LogCapture.install();
    objectStore = EmbeddedObjectStore.start();
    TestArtifacts.putTinyModel(objectStore.client(), "models", "tiny");
    jobs = new SimulatedJobRunner(objectStore.client());
    trainer = jobs.training();
    kubelet =
        ServingPods.start(
            RealCluster.get().admin(),
            RealCluster.root().resolve("operator/target/kubelet-standin"),
            jobs);
  }

  @AfterAll
  static void stopObjectStoreAndKubelet() {
    kubelet.close();
    objectStore.close();
    // Whatever the operator logged, a credential never appears in it.
    List<String> lines = logs.lines();
    logs.close();
    assertThat(lines).noneMatch(line -> line.contains(EmbeddedObjectStore.SECRET_KEY));
  }

  /** For an {@code @AfterAll} of a subclass (it runs before this base's). */
  protected static void assertTheCaptureSawTheOutages() {
    assertThat(logs.lines()).anyMatch(line -> line.contains("Connection refused"));
  }

  @BeforeEach
  void namespaceWithCredentials() {
    namespace = RealCluster.get().restrictedNamespace(namespacePrefix());
    kubelet.admit(namespace);
    admin
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "s3", objectStore.endpoint()))
        .create();
  }

  /**
   * Releases the test's pods and deletes its BaseModels, so the garbage collector removes their
   * Deployments and pods: pods left behind would be bound to the next test class's node and take
   * its CPU and memory (the scheduler counts their requests), until new pods no longer fit. The
   * namespace itself stays: the operator's writes into a terminating namespace would be refused.
   */
  @AfterEach
  void releaseTheNamespacesPods() {
    kubelet.release(namespace);
    admin.resources(BaseModel.class).inNamespace(namespace).delete();
  }

  /** The prefix of the test namespaces' names, to tell the classes' apart in a cluster dump. */
  protected abstract String namespacePrefix();

  /** BaseModel {@code name} on the tiny model with one serving pod. */
  protected void baseModel(String name) {
    admin.resource(FineTuneJobFixtures.tinyBaseModel(namespace, name)).create();
  }

  /**
   * "Type/Reason" of every Event on one object of a kind, oldest first: by firstTimestamp (second
   * resolution), then by resourceVersion. A real API server lists Events by name (the mock in the
   * order they were created), so the order must be made here.
   */
  protected List<String> events(String kind, String name) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(
            e ->
                e.getInvolvedObject().getName().equals(name)
                    && e.getInvolvedObject().getKind().equals(kind))
        .sorted(
            Comparator.comparing((Event e) -> Instant.parse(e.getFirstTimestamp()))
                .thenComparing(e -> Long.parseLong(e.getMetadata().getResourceVersion())))
        .map(e -> e.getType() + "/" + e.getReason())
        .toList();
  }
}
