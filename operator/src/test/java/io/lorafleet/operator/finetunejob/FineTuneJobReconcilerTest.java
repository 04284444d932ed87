package io.lorafleet.operator.finetunejob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobSpec;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.testing.ClusterTestBase;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FakeJobRunner;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.operator.testing.MockServerCrds;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * FineTuneJob reconciliation: trainer Job, progress, result, and the deployed adapter.
 *
 * <p>Still on the Fabric8 mock with fake controllers: moving this suite to the real control plane
 * (testcluster's kubelet stand-in) is open (issue #13). Deletion runs on the real control plane
 * (FineTuneJobDeletionRealServerTest).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class FineTuneJobReconcilerTest extends ClusterTestBase {
  @AfterAll
  static void theCaptureSawTheOutages() {
    assertTheCaptureSawTheOutages();
  }

  private FineTuneJob fineTuneJob(String name, Placement deploy) {
    return fineTuneJob(name, deploy, 8);
  }

  private FineTuneJob fineTuneJob(String name, Placement deploy, int rank) {
    return fineTuneJob(name, deploy, rank, false);
  }

  private FineTuneJob fineTuneJob(
      String name, Placement deploy, int rank, boolean deleteCheckpoints) {
    return fineTuneJob(name, deploy, rank, deleteCheckpoints, "s3");
  }

  private FineTuneJob fineTuneJob(
      String name, Placement deploy, int rank, boolean deleteCheckpoints, String outputSecret) {
    return client
        .resource(
            FineTuneJobFixtures.fineTuneJob(
                namespace,
                name,
                FineTuneJobFixtures.spec(
                    rank,
                    List.of(TargetModule.Q_PROJ, TargetModule.K_PROJ),
                    outputSecret,
                    deploy,
                    null,
                    deleteCheckpoints)))
        .create();
  }

  private FineTuneJob get(String name) {
    return client.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
  }

  private void awaitPhase(String name, FineTuneJobPhase phase) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(get(name).getStatus()).isNotNull();
              assertThat(get(name).getStatus().phase()).isEqualTo(phase);
            });
  }

  @Test
  void trainsReportsProgressAndDeploysTheAdapter() {
    baseModel("base");
    fineTuneJob("tune", new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS));

    awaitPhase("tune", FineTuneJobPhase.Running);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              // Running is reported before the first progress.json is read.
              var progress = get("tune").getStatus().progress();
              assertThat(progress).isNotNull();
              assertThat(progress.percent()).isEqualTo("50%");
            });
    FineTuneJob running = get("tune");
    assertThat(running.getStatus().progress().loss()).isEqualTo(1.25);
    assertThat(running.getStatus().progress().eta()).isEqualTo("1m15s");
    assertThat(running.getStatus().lastCheckpoint().step()).isEqualTo(50);

    String jobName = running.getStatus().jobName();
    JsonNode config = jobs.config(namespace, jobName);
    BaseModel base =
        client.resources(BaseModel.class).inNamespace(namespace).withName("base").get();
    assertThat(config.at("/baseModel/digest").asText()).isEqualTo(base.getStatus().digest());
    assertThat(config.at("/baseModel/credentialsDir").asText())
        .isEqualTo("/var/run/lorafleet/credentials/s3");
    assertThat(config.at("/lora/rank").asInt()).isEqualTo(8);
    assertThat(config.at("/lora/targetModules/1").asText()).isEqualTo("k_proj");
    assertThat(config.at("/training/maxSteps").asLong()).isEqualTo(100);
    assertThat(config.at("/output/versionsUri").asText())
        .isEqualTo("s3://adapters/" + namespace + "/adapters/tuned");
    assertThat(config.at("/run/directory").asText())
        .endsWith("/finetunejobs/tune/" + running.getMetadata().getUid());
    assertThat(config.toString()).doesNotContain(EmbeddedObjectStore.SECRET_KEY);

    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(3);
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600);
    assertThat(
            job.getSpec().getPodFailurePolicy().getRules().getFirst().getOnExitCodes().getValues())
        .containsExactly(2);
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().getFirst().getVolumeMounts())
        .anySatisfy(
            m -> assertThat(m.getMountPath()).isEqualTo("/var/run/lorafleet/credentials/s3"));

    jobs.finish(namespace, jobName, FakeJobRunner.Outcome.SUCCEED);
    awaitPhase("tune", FineTuneJobPhase.Succeeded);
    FineTuneJob done = get("tune");
    assertThat(done.isReady()).isTrue();
    assertThat(done.getStatus().output().digest()).startsWith("sha256:");
    assertThat(done.getStatus().progress().percent()).isEqualTo("100%");

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              LoraAdapter adapter =
                  client
                      .resources(LoraAdapter.class)
                      .inNamespace(namespace)
                      .withName("tuned")
                      .get();
              assertThat(adapter).isNotNull();
              assertThat(adapter.getMetadata().getLabels())
                  .containsEntry("lorafleet.io/fine-tune-job", "tune");
              assertThat(adapter.getSpec().artifact().digest())
                  .isEqualTo(done.getStatus().output().digest());
              assertThat(adapter.isReady()).isTrue();
              assertThat(adapter.getStatus().lineage().fineTuneJob()).isEqualTo("tune-42");
            });
    assertThat(events("FineTuneJob", "tune"))
        .containsSubsequence("Normal/Training", "Normal/Succeeded")
        .noneMatch(e -> e.startsWith("Warning/"));
  }

  @Test
  void aLaterRunOwnsTheAdapterNameAndAnEarlierOneNeverRollsItBack() {
    baseModel("base");
    Placement all = new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS);
    fineTuneJob("first", all, 8);
    awaitPhase("first", FineTuneJobPhase.Running);
    jobs.finish(namespace, get("first").getStatus().jobName(), FakeJobRunner.Outcome.SUCCEED);
    awaitPhase("first", FineTuneJobPhase.Succeeded);
    fineTuneJob("second", all, 4);
    awaitPhase("second", FineTuneJobPhase.Running);
    jobs.finish(namespace, get("second").getStatus().jobName(), FakeJobRunner.Outcome.SUCCEED);
    awaitPhase("second", FineTuneJobPhase.Succeeded);
    String second = get("second").getStatus().output().digest();
    assertThat(second).isNotEqualTo(get("first").getStatus().output().digest());
    await().atMost(Duration.ofSeconds(30)).until(() -> second.equals(tunedDigest()));

    // Reconciling the first job again (its generation changes when suspend is toggled) neither
    // reopens the finished run nor publishes its older version again.
    client
        .resources(FineTuneJob.class)
        .inNamespace(namespace)
        .withName("first")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":true}}");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Objects.equals(
                    get("first").getStatus().observedGeneration(),
                    get("first").getMetadata().getGeneration()));
    assertThat(get("first").getStatus().phase()).isEqualTo(FineTuneJobPhase.Succeeded);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> second.equals(tunedDigest()));
  }

  private String tunedDigest() {
    LoraAdapter adapter =
        client.resources(LoraAdapter.class).inNamespace(namespace).withName("tuned").get();
    return adapter == null ? null : adapter.getSpec().artifact().digest();
  }

  @Test
  void badInputFailsWithTheTrainersReason() {
    baseModel("base");
    fineTuneJob("bad", null);
    awaitPhase("bad", FineTuneJobPhase.Running);
    jobs.finish(namespace, get("bad").getStatus().jobName(), FakeJobRunner.Outcome.BAD_INPUT);
    awaitPhase("bad", FineTuneJobPhase.Failed);
    var degraded = get("bad").getStatus().condition(ConditionType.Degraded).orElseThrow();
    assertThat(degraded.reason()).isEqualTo("InvalidDataset");
    assertThat(degraded.message()).contains("train.jsonl:3");
    await()
        .untilAsserted(
            () -> assertThat(events("FineTuneJob", "bad")).contains("Warning/InvalidDataset"));
    assertThat(client.resources(LoraAdapter.class).inNamespace(namespace).list().getItems())
        .isEmpty();
  }

  @Test
  void aRunPastItsDeadlineFailsWithTheJobsReason() {
    baseModel("base");
    fineTuneJob("slow", null);
    awaitPhase("slow", FineTuneJobPhase.Running);
    jobs.finish(
        namespace, get("slow").getStatus().jobName(), FakeJobRunner.Outcome.DEADLINE_EXCEEDED);
    awaitPhase("slow", FineTuneJobPhase.Failed);
    var degraded = get("slow").getStatus().condition(ConditionType.Degraded).orElseThrow();
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.reason()).isEqualTo("DeadlineExceeded");
    assertThat(degraded.message()).isEqualTo("trainer DeadlineExceeded");
    await()
        .untilAsserted(
            () -> assertThat(events("FineTuneJob", "slow")).contains("Warning/DeadlineExceeded"));
  }

  @Test
  void anObjectStoreOutageWhileTrainingDegradesAndRecovers() throws Exception {
    baseModel("base");
    fineTuneJob("outage", null);
    awaitPhase("outage", FineTuneJobPhase.Running);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var progress = get("outage").getStatus().progress();
              assertThat(progress).isNotNull();
              assertThat(progress.percent()).isEqualTo("50%");
            });
    objectStore.stop();
    try {
      // progress.json is read every 15 s: the next read finds the store gone.
      await()
          .atMost(Duration.ofSeconds(40))
          .untilAsserted(
              () -> {
                var degraded =
                    get("outage").getStatus().condition(ConditionType.Degraded).orElseThrow();
                assertThat(degraded.isTrue()).isTrue();
                assertThat(degraded.reason()).isEqualTo("ObjectStoreUnavailable");
              });
      assertThat(get("outage").getStatus().phase()).isEqualTo(FineTuneJobPhase.Running);
      assertThat(events("FineTuneJob", "outage")).contains("Warning/ObjectStoreUnavailable");
    } finally {
      objectStore.restart();
    }
    // Retried with back-off: the same endpoint answers again.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        get("outage")
                            .getStatus()
                            .condition(ConditionType.Degraded)
                            .orElseThrow()
                            .isTrue())
                    .isFalse());
    jobs.finish(namespace, get("outage").getStatus().jobName(), FakeJobRunner.Outcome.SUCCEED);
    awaitPhase("outage", FineTuneJobPhase.Succeeded);
    await()
        .untilAsserted(
            () -> assertThat(events("FineTuneJob", "outage")).contains("Normal/Succeeded"));
  }

  /**
   * Review S1: the output Secret arrives after the FineTuneJob (GitOps ordering, External Secrets)
   * and is later rotated by delete and recreate, all while the trainer Job runs. The Job decides
   * whether the run failed: the FineTuneJob stays Running and Degraded, and recovers on its own.
   */
  @Test
  void aLateOrRotatedOutputSecretDegradesTheRunButNeverFailsIt() {
    baseModel("base");
    fineTuneJob("late", null, 8, false, "late-s3");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              FineTuneJob job = get("late");
              assertThat(job.getStatus()).isNotNull();
              assertThat(job.getStatus().jobName()).isNotNull();
              var degraded = job.getStatus().condition(ConditionType.Degraded).orElseThrow();
              assertThat(degraded.isTrue()).isTrue();
              assertThat(degraded.reason()).isEqualTo("CredentialsSecretNotFound");
            });
    assertThat(get("late").getStatus().phase()).isNotEqualTo(FineTuneJobPhase.Failed);

    client
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "late-s3", objectStore.endpoint()))
        .create();
    awaitProgressWithoutDegraded("late");

    // Rotation by delete and recreate, mid-run.
    client.secrets().inNamespace(namespace).withName("late-s3").delete();
    await()
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () ->
                assertThat(get("late").getStatus().condition(ConditionType.Degraded).orElseThrow())
                    .satisfies(d -> assertThat(d.reason()).isEqualTo("CredentialsSecretNotFound")));
    assertThat(get("late").getStatus().phase()).isEqualTo(FineTuneJobPhase.Running);
    client
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "late-s3", objectStore.endpoint()))
        .create();
    awaitProgressWithoutDegraded("late");

    jobs.finish(namespace, get("late").getStatus().jobName(), FakeJobRunner.Outcome.SUCCEED);
    awaitPhase("late", FineTuneJobPhase.Succeeded);
  }

  private void awaitProgressWithoutDegraded(String name) {
    await()
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              FineTuneJob job = get(name);
              assertThat(job.getStatus().phase()).isEqualTo(FineTuneJobPhase.Running);
              assertThat(job.getStatus().condition(ConditionType.Degraded).orElseThrow().isTrue())
                  .isFalse();
              assertThat(job.getStatus().progress()).isNotNull();
            });
  }

  @Test
  void waitsForItsBaseModelAndCanBeSuspended() {
    fineTuneJob("early", null);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              FineTuneJob early = get("early");
              // The first status patch may not have landed yet.
              assertThat(early.getStatus()).isNotNull();
              assertThat(early.getStatus().condition(ConditionType.Ready).orElseThrow().reason())
                  .isEqualTo("BaseModelNotFound");
            });
    assertThat(get("early").getStatus().phase()).isEqualTo(FineTuneJobPhase.Pending);
    assertThat(client.batch().v1().jobs().inNamespace(namespace).list().getItems()).isEmpty();

    baseModel("base");
    awaitPhase("early", FineTuneJobPhase.Running);
    FineTuneJob job = get("early");
    job.setSpec(
        new FineTuneJobSpec(
            job.getSpec().baseModelRef(),
            job.getSpec().dataset(),
            job.getSpec().lora(),
            job.getSpec().training(),
            job.getSpec().output(),
            null,
            null,
            null,
            null,
            true,
            3600L,
            3,
            false));
    client.resource(job).update();
    awaitPhase("early", FineTuneJobPhase.Suspended);
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(namespace)
                .withName(job.getStatus().jobName())
                .get()
                .getSpec()
                .getSuspend())
        .isTrue();
  }
}
