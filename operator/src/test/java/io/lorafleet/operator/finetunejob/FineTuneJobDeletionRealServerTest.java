package io.lorafleet.operator.finetunejob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting a FineTuneJob on the real control plane: its finalizer deletes the trainer Job and
 * ConfigMap (the garbage collector takes the Job's pods) and, when asked, the run's checkpoints,
 * waiting for object storage for at most checkpoint-cleanup-timeout (20 s in the test profile). The
 * trainer's checkpoints are written by the test, as the trainer would (no pod runs here).
 *
 * <p>These ran on the Fabric8 mock until the mock made one flaky (about 1 run in 4): the mock
 * answers the finalizer-removing PATCH with an empty body, JOSDK fails on it (NPE in
 * TemporaryResourceCache.putResource) and schedules a retry that races with the informer's delete
 * event in TimerEventSource ("Task already scheduled or cancelled"). A real API server returns the
 * object, so no retry is scheduled.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class FineTuneJobDeletionRealServerTest {
  private static EmbeddedObjectStore objectStore;

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
    namespace = FineTuneJobFixtures.realNamespaceWithCredentialsAndBaseModel("ftjdel", objectStore);
  }

  @Test
  void deletionStopsTheTrainerAndKeepsTheCheckpointsByDefault() {
    FineTuneJob job = withTrainerAndCheckpoints("keep", false);
    admin.resource(job).delete();
    awaitGone(job);
    assertThat(checkpointKeys(job)).hasSize(2);
    assertThat(events("keep")).noneMatch(e -> e.contains("Checkpoint"));
  }

  @Test
  void deletionDeletesTheCheckpointsWhenAskedWaitingForObjectStorageToReturn() throws Exception {
    FineTuneJob job = withTrainerAndCheckpoints("clean", true);
    objectStore.stop();
    try {
      admin.resource(job).delete();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> assertThat(events("clean")).contains("Warning/CheckpointCleanupRetrying"));
      assertThat(get("clean")).as("held by its finalizer while the store is down").isNotNull();
    } finally {
      objectStore.restart();
    }
    awaitGone(job);
    assertThat(checkpointKeys(job)).isEmpty();
    await().untilAsserted(() -> assertThat(events("clean")).contains("Normal/CheckpointsDeleted"));
    // The run's reports stay: only checkpoints/ was asked for.
    S3Uri run = FineTuneJobResources.runDirectory(job);
    assertThat(objectStore.client().stat(run.bucket(), run.prefix() + "progress.json")).isPresent();
  }

  @Test
  void deletionLetsGoOfCheckpointsWhenObjectStorageStaysDown() throws Exception {
    FineTuneJob job = withTrainerAndCheckpoints("giveup", true);
    objectStore.stop();
    try {
      admin.resource(job).delete();
      // checkpoint-cleanup-timeout is 20 s in the test profile.
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(events("giveup"))
                      .contains("Warning/CheckpointCleanupRetrying", "Warning/CheckpointsKept"));
      awaitGone(job);
    } finally {
      objectStore.restart();
    }
    assertThat(checkpointKeys(job)).hasSize(2);
  }

  /** A FineTuneJob whose trainer Job exists and whose run wrote progress and one checkpoint. */
  private FineTuneJob withTrainerAndCheckpoints(String name, boolean deleteCheckpoints) {
    fineTuneJob(name, deleteCheckpoints);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              FineTuneJob job = get(name);
              assertThat(job.getStatus()).isNotNull();
              assertThat(job.getStatus().jobName()).isNotNull();
              assertThat(trainer(job)).isNotNull();
            });
    FineTuneJob job = get(name);
    S3Uri run = FineTuneJobResources.runDirectory(job);
    S3Uri step = RunCheckpoints.of(job).child("step-50");
    var s3 = objectStore.client();
    s3.ensureBucket(run.bucket());
    s3.putBytes(run.bucket(), run.prefix() + "progress.json", bytes("{\"step\":50}"));
    s3.putBytes(step.bucket(), step.prefix() + "adapter_model.safetensors", bytes("weights"));
    s3.putBytes(step.bucket(), step.prefix() + "optimizer.bin", bytes("adam"));
    assertThat(checkpointKeys(job)).hasSize(2);
    return job;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private void awaitGone(FineTuneJob job) {
    String name = job.getMetadata().getName();
    String trainer = job.getStatus().jobName();
    await()
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              assertThat(get(name)).isNull();
              assertThat(admin.batch().v1().jobs().inNamespace(namespace).withName(trainer).get())
                  .isNull();
              assertThat(admin.configMaps().inNamespace(namespace).withName(trainer).get())
                  .isNull();
            });
  }

  private List<String> checkpointKeys(FineTuneJob job) {
    S3Uri checkpoints = RunCheckpoints.of(job);
    return objectStore.client().list(checkpoints.bucket(), checkpoints.prefix()).stream()
        .map(ObjectInfo::key)
        .toList();
  }

  private void fineTuneJob(String name, boolean deleteCheckpoints) {
    admin
        .resource(
            FineTuneJobFixtures.fineTuneJob(
                namespace,
                name,
                FineTuneJobFixtures.spec(
                    8, List.of(TargetModule.Q_PROJ), "s3", null, null, deleteCheckpoints)))
        .create();
  }

  private io.fabric8.kubernetes.api.model.batch.v1.Job trainer(FineTuneJob job) {
    return admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(job.getStatus().jobName())
        .get();
  }

  private FineTuneJob get(String name) {
    return admin.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
  }

  /** "Type/Reason" of every Event on the FineTuneJob, oldest first. */
  private List<String> events(String name) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(
            e ->
                e.getInvolvedObject().getName().equals(name)
                    && e.getInvolvedObject().getKind().equals("FineTuneJob"))
        .map(e -> e.getType() + "/" + e.getReason())
        .toList();
  }
}
