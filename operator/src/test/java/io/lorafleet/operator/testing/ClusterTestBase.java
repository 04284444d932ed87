package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the controller tests on the Fabric8 mock share: S3 on loopback with a tiny model, the
 * kubelet and job-runner stand-ins, a fresh namespace per test with a credentials Secret named
 * "s3". After the class, no credential may appear in the captured operator log; a class whose tests
 * cause an object-store outage also checks that the capture saw its errors ({@link
 * #assertTheCaptureSawTheOutages}), so that this check means something.
 */
public abstract class ClusterTestBase {
  protected static EmbeddedObjectStore objectStore;
  protected static FakeDeploymentController kubelet;
  protected static FakeJobRunner jobs;
  protected static LogCapture logs;
  protected final String namespace = "t-" + UUID.randomUUID().toString().substring(0, 8);

  @Inject protected KubernetesClient client;

  @BeforeAll
  static void startObjectStore() throws Exception {
    logs = LogCapture.install();
    objectStore = EmbeddedObjectStore.start();
    TestArtifacts.putTinyModel(objectStore.client(), "models", "tiny");
  }

  @AfterAll
  static void stopCluster() {
    if (kubelet != null) {
      kubelet.close();
      jobs.close();
      kubelet = null;
      jobs = null;
    }
    objectStore.close();
    // Whatever the operator logged, a credential never appears in it.
    List<String> lines = logs.lines();
    logs.close();
    org.assertj.core.api.Assertions.assertThat(lines)
        .noneMatch(line -> line.contains(EmbeddedObjectStore.SECRET_KEY));
  }

  /**
   * For an {@code @AfterAll} of a class that causes object-store outages (it runs before this
   * base's): the capture saw the operator's lines about them, so the credential check means
   * something.
   */
  protected static void assertTheCaptureSawTheOutages() {
    org.assertj.core.api.Assertions.assertThat(logs.lines())
        .anyMatch(line -> line.contains("Connection refused"));
  }

  /** "Type/Reason" of every Event on one object of a kind, oldest first. */
  protected List<String> events(String kind, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(
            e ->
                e.getInvolvedObject().getName().equals(name)
                    && e.getInvolvedObject().getKind().equals(kind))
        .map(e -> e.getType() + "/" + e.getReason())
        .toList();
  }

  @BeforeEach
  void startStandInsAndCredentials() {
    if (kubelet == null) {
      kubelet = new FakeDeploymentController(client);
      jobs = new FakeJobRunner(client, objectStore.client());
    }
    client
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "s3", objectStore.endpoint()))
        .create();
  }

  /** A BaseModel on the tiny model with one serving pod. */
  protected void baseModel(String name) {
    client.resource(FineTuneJobFixtures.tinyBaseModel(namespace, name)).create();
  }
}
