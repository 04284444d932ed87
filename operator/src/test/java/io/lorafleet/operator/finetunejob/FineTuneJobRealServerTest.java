package io.lorafleet.operator.finetunejob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trainer Job on a real API server and Job controller, with the operator authenticated as the
 * chart's ServiceAccount in a Pod Security "restricted" namespace (review finding J1/P1: the server
 * generates the Job's selector and template labels and canonicalises quantities, so a PUT of the
 * operator's desired spec is refused).
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class FineTuneJobRealServerTest {
  private static EmbeddedObjectStore objectStore;

  @Inject OperatorConfig config;

  private final KubernetesClient admin = RealCluster.get().admin();
  private String namespace;

  @BeforeAll
  static void startObjectStore() throws Exception {
    objectStore = EmbeddedObjectStore.start();
    TestArtifacts.putTinyModel(objectStore.client(), "models", "tiny");
  }

  @AfterAll
  static void stopObjectStore() {
    if (objectStore != null) {
      objectStore.close();
    }
  }

  @BeforeEach
  void namespaceWithCredentialsAndBaseModel() {
    namespace = FineTuneJobFixtures.realNamespaceWithCredentialsAndBaseModel("ftj", objectStore);
  }

  @Test
  void trainerJobGetsTheServerGeneratedSelectorAndLabels() {
    fineTuneJob("labels", null);
    Job trainer = awaitTrainerJob("labels");
    String uid = trainer.getMetadata().getUid();
    assertThat(trainer.getSpec().getSelector().getMatchLabels())
        .containsEntry("batch.kubernetes.io/controller-uid", uid);
    assertThat(trainer.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("batch.kubernetes.io/controller-uid", uid)
        .containsEntry("batch.kubernetes.io/job-name", trainer.getMetadata().getName());
    // What a whole-spec PUT of the desired Job (JOSDK's non-SSA update) does to it: refused.
    Job desired = TrainerWorkload.job(get("labels"), baseModel(), config);
    Job replaced =
        new JobBuilder(trainer)
            .withSpec(
                new JobBuilder(desired).editSpec().withSuspend(true).endSpec().build().getSpec())
            .build();
    assertThatThrownBy(() -> admin.resource(replaced).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("spec.selector: Required value")
        .hasMessageContaining("field is immutable");
  }

  @Test
  void suspendAndResumeChangeOnlySuspendEvenWithNonCanonicalQuantities() {
    // The server stores 64Gi for 65536Mi and 1 for 1000m: the desired Job never equals the stored.
    fineTuneJob(
        "toggle",
        new ComputeResources(
            Map.of("memory", new Quantity("65536Mi"), "cpu", new Quantity("1000m")), null));
    Job created = awaitTrainerJob("toggle");
    assertThat(
            created
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst()
                .getResources()
                .getRequests())
        .containsEntry("memory", new Quantity("64Gi"))
        .containsEntry("cpu", new Quantity("1"));

    setSuspend("toggle", true);
    awaitPhase("toggle", FineTuneJobPhase.Suspended);
    assertThat(trainer("toggle").getSpec().getSuspend()).isTrue();

    setSuspend("toggle", false);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(trainer("toggle").getSpec().getSuspend()).isFalse());
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(get("toggle").getStatus().phase())
                    .isNotEqualTo(FineTuneJobPhase.Suspended));
    // Created once, then exactly two spec changes: suspend and resume; nothing failed meanwhile.
    Job trainer = trainer("toggle");
    assertThat(trainer.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
    assertThat(trainer.getMetadata().getGeneration()).isEqualTo(3L);
    assertThat(warnings("toggle")).isEmpty();
  }

  /**
   * As {@code kubectl patch --type merge} does: no resourceVersion, so the operator's own status
   * and finalizer writes in between cannot make it a 409 (an edit() of a read copy could).
   */
  private void setSuspend(String name, boolean suspend) {
    admin
        .resources(FineTuneJob.class)
        .inNamespace(namespace)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":" + suspend + "}}");
  }

  private void fineTuneJob(String name, ComputeResources resources) {
    admin
        .resource(
            FineTuneJobFixtures.fineTuneJob(
                namespace,
                name,
                FineTuneJobFixtures.spec(
                    8, List.of(TargetModule.Q_PROJ), "s3", null, resources, false)))
        .create();
  }

  private Job awaitTrainerJob(String name) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              FineTuneJob job = get(name);
              assertThat(job.getStatus()).isNotNull();
              assertThat(job.getStatus().jobName()).isNotNull();
              assertThat(trainer(name)).isNotNull();
              // The Job controller has seen it (a status), so reconciles that follow compare the
              // desired Job with the server's copy, generated fields and canonical forms included.
              assertThat(trainer(name).getStatus().getStartTime()).isNotNull();
            });
    return trainer(name);
  }

  private void awaitPhase(String name, FineTuneJobPhase phase) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(get(name).getStatus().phase()).isEqualTo(phase));
  }

  private Job trainer(String name) {
    String jobName = get(name).getStatus().jobName();
    return admin.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
  }

  private FineTuneJob get(String name) {
    return admin.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
  }

  private BaseModel baseModel() {
    return admin.resources(BaseModel.class).inNamespace(namespace).withName("base").get();
  }

  /** "Reason: message" of each Warning Event on the FineTuneJob. */
  private List<String> warnings(String name) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(
            e ->
                e.getType().equals("Warning")
                    && e.getInvolvedObject().getKind().equals("FineTuneJob")
                    && e.getInvolvedObject().getName().equals(name))
        .map(e -> e.getReason() + ": " + e.getMessage())
        .toList();
  }
}
