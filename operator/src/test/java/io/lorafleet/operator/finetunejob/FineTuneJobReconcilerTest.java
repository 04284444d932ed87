package io.lorafleet.operator.finetunejob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FineTuneJob reconciliation on the real control plane: trainer Job, progress, result, and the
 * deployed adapter. The trainer Job's pods are bound by the real scheduler and run by the kubelet
 * stand-in as simulated trainers that follow the trainer's contract and end when the test says
 * ({@link io.lorafleet.operator.testing.kubelet.SimulatedTrainer}); the real Job controller writes
 * the Job's status from their exit codes, its podFailurePolicy and its deadline. Deletion is
 * FineTuneJobDeletionRealServerTest's.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class FineTuneJobReconcilerTest extends RealClusterTestBase {
  /** What the real trainer writes for a dataset with too many invalid lines (exit 2). */
  private static final String INVALID_DATASET =
      "37 of 120 lines invalid (30.8% > 1%); first: train.jsonl:3: missing \"completion\"";

  @AfterAll
  static void theCaptureSawTheOutages() {
    assertTheCaptureSawTheOutages();
  }

  @Override
  protected String namespacePrefix() {
    return "ftj-run";
  }

  /**
   * The runs a failed test left waiting would keep their pods (and the scheduler's count of their
   * requests): deleting the FineTuneJobs deletes their Jobs, so the garbage collector takes them.
   */
  @AfterEach
  void deleteTheRuns() {
    admin.resources(FineTuneJob.class).inNamespace(namespace).delete();
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
    return create(
        name,
        FineTuneJobFixtures.spec(
            rank,
            List.of(TargetModule.Q_PROJ, TargetModule.K_PROJ),
            outputSecret,
            deploy,
            null,
            deleteCheckpoints));
  }

  /**
   * Long enough for the run to be seen Running on a loaded machine (the deadline counts from the
   * Job's start), short enough for a test.
   */
  private static final long DEADLINE_SECONDS = 20;

  /** {@code spec} with the trainer Job's activeDeadlineSeconds set to {@code seconds}. */
  private static FineTuneJobSpec withDeadline(FineTuneJobSpec spec, long seconds) {
    return withLimits(spec, seconds, spec.backoffLimit());
  }

  /** {@code spec} with the trainer Job's activeDeadlineSeconds and backoffLimit. */
  private static FineTuneJobSpec withLimits(
      FineTuneJobSpec spec, long deadlineSeconds, int backoffLimit) {
    return new FineTuneJobSpec(
        spec.baseModelRef(),
        spec.dataset(),
        spec.lora(),
        spec.training(),
        spec.output(),
        spec.resources(),
        spec.nodeSelector(),
        spec.tolerations(),
        spec.image(),
        spec.suspend(),
        deadlineSeconds,
        backoffLimit,
        spec.deleteCheckpointsOnDeletion());
  }

  private FineTuneJob create(String name, FineTuneJobSpec spec) {
    return admin.resource(FineTuneJobFixtures.fineTuneJob(namespace, name, spec)).create();
  }

  private FineTuneJob get(String name) {
    return admin.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
  }

  private void awaitPhase(String name, FineTuneJobPhase phase) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(get(name).getStatus()).isNotNull();
              assertThat(get(name).getStatus().phase()).isEqualTo(phase);
            });
  }

  @Test
  void trainsReportsProgressAndDeploysTheAdapter() throws Exception {
    baseModel("base");
    fineTuneJob("tune", new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS));

    awaitPhase("tune", FineTuneJobPhase.Running);
    await()
        .atMost(Duration.ofSeconds(60))
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
    // trainer.json as the operator rendered it (the pod's copy has the stand-in's local paths).
    JsonNode config =
        new ObjectMapper()
            .readTree(
                admin
                    .configMaps()
                    .inNamespace(namespace)
                    .withName(jobName)
                    .get()
                    .getData()
                    .get(FineTuneJobResources.CONFIG_KEY));
    BaseModel base = admin.resources(BaseModel.class).inNamespace(namespace).withName("base").get();
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

    Job job = admin.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(3);
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600);
    assertThat(
            job.getSpec().getPodFailurePolicy().getRules().getFirst().getOnExitCodes().getValues())
        .containsExactly(2);
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().getFirst().getVolumeMounts())
        .anySatisfy(
            m -> assertThat(m.getMountPath()).isEqualTo("/var/run/lorafleet/credentials/s3"));

    trainer.succeed(namespace, jobName);
    awaitPhase("tune", FineTuneJobPhase.Succeeded);
    FineTuneJob done = get("tune");
    assertThat(done.isReady()).isTrue();
    assertThat(done.getStatus().output().digest()).startsWith("sha256:");
    assertThat(done.getStatus().progress().percent()).isEqualTo("100%");

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              LoraAdapter adapter =
                  admin.resources(LoraAdapter.class).inNamespace(namespace).withName("tuned").get();
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
    trainer.succeed(namespace, get("first").getStatus().jobName());
    awaitPhase("first", FineTuneJobPhase.Succeeded);
    fineTuneJob("second", all, 4);
    awaitPhase("second", FineTuneJobPhase.Running);
    trainer.succeed(namespace, get("second").getStatus().jobName());
    awaitPhase("second", FineTuneJobPhase.Succeeded);
    String second = get("second").getStatus().output().digest();
    assertThat(second).isNotEqualTo(get("first").getStatus().output().digest());
    await().atMost(Duration.ofSeconds(60)).until(() -> second.equals(tunedDigest()));

    // Reconciling the first job again (its generation changes when suspend is toggled) neither
    // reopens the finished run nor publishes its older version again.
    admin
        .resources(FineTuneJob.class)
        .inNamespace(namespace)
        .withName("first")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":true}}");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                Objects.equals(
                    get("first").getStatus().observedGeneration(),
                    get("first").getMetadata().getGeneration()));
    assertThat(get("first").getStatus().phase()).isEqualTo(FineTuneJobPhase.Succeeded);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(60))
        .until(() -> second.equals(tunedDigest()));
  }

  private String tunedDigest() {
    LoraAdapter adapter =
        admin.resources(LoraAdapter.class).inNamespace(namespace).withName("tuned").get();
    return adapter == null ? null : adapter.getSpec().artifact().digest();
  }

  @Test
  void badInputFailsWithTheTrainersReason() {
    baseModel("base");
    fineTuneJob("bad", null);
    awaitPhase("bad", FineTuneJobPhase.Running);
    // The trainer's own account of bad input: result.json and exit 2, which the Job's
    // podFailurePolicy turns into a failed Job at once.
    trainer.fail(
        namespace,
        get("bad").getStatus().jobName(),
        FineTuneJobResources.EXIT_BAD_INPUT,
        "InvalidDataset",
        INVALID_DATASET);
    awaitPhase("bad", FineTuneJobPhase.Failed);
    var degraded = get("bad").getStatus().condition(ConditionType.Degraded).orElseThrow();
    assertThat(degraded.reason()).isEqualTo("InvalidDataset");
    assertThat(degraded.message()).contains("train.jsonl:3");
    await()
        .untilAsserted(
            () -> assertThat(events("FineTuneJob", "bad")).contains("Warning/InvalidDataset"));
    assertThat(admin.resources(LoraAdapter.class).inNamespace(namespace).list().getItems())
        .isEmpty();
  }

  /**
   * The Job controller ends the run at activeDeadlineSeconds (counted from the Job's start): it
   * deletes the trainer pod, whose SIGTERM leaves no result.json, and writes the Job's reason and
   * message, which the FineTuneJob reports as they are.
   */
  @Test
  void aRunPastItsDeadlineFailsWithTheJobsReason() {
    baseModel("base");
    create("slow", withDeadline(FineTuneJobFixtures.spec(), DEADLINE_SECONDS));
    awaitPhase("slow", FineTuneJobPhase.Running);
    await()
        .atMost(Duration.ofSeconds(DEADLINE_SECONDS + 60))
        .untilAsserted(
            () -> assertThat(get("slow").getStatus().phase()).isEqualTo(FineTuneJobPhase.Failed));
    var degraded = get("slow").getStatus().condition(ConditionType.Degraded).orElseThrow();
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.reason()).isEqualTo("DeadlineExceeded");
    assertThat(degraded.message()).isEqualTo("Job was active longer than specified deadline");
    await()
        .untilAsserted(
            () -> assertThat(events("FineTuneJob", "slow")).contains("Warning/DeadlineExceeded"));
  }

  /**
   * Review J4: a trainer that crashed without a result.json (a JVM crash: the trainer's own
   * failures write one) fails its FineTuneJob with what its pod's container reported, the exit code
   * and the termination message, not only the Job's BackoffLimitExceeded. backoffLimit 0, so that
   * the Job controller's pod back-off (10 s, 20 s, ...) does not make the test wait for retries.
   */
  @Test
  void aCrashedTrainerFailsWithItsExitCodeAndTerminationMessage() {
    baseModel("base");
    create("crash", withLimits(FineTuneJobFixtures.spec(), 3600, 0));
    awaitPhase("crash", FineTuneJobPhase.Running);
    trainer.fail(
        namespace,
        get("crash").getStatus().jobName(),
        1,
        null,
        "java.lang.IllegalStateException: CUDA out of sorts");
    awaitPhase("crash", FineTuneJobPhase.Failed);
    var degraded = get("crash").getStatus().condition(ConditionType.Degraded).orElseThrow();
    assertThat(degraded.reason()).isEqualTo("BackoffLimitExceeded");
    assertThat(degraded.message())
        .contains("exit code 1")
        .contains("java.lang.IllegalStateException: CUDA out of sorts");
  }

  @Test
  void anObjectStoreOutageWhileTrainingDegradesAndRecovers() throws Exception {
    baseModel("base");
    fineTuneJob("outage", null);
    awaitPhase("outage", FineTuneJobPhase.Running);
    await()
        .atMost(Duration.ofSeconds(60))
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
          .atMost(Duration.ofSeconds(60))
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
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        get("outage")
                            .getStatus()
                            .condition(ConditionType.Degraded)
                            .orElseThrow()
                            .isTrue())
                    .isFalse());
    // The run goes on: its next report is read on the operator's regular schedule.
    trainer.progress(namespace, get("outage").getStatus().jobName(), 75);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(get("outage").getStatus().progress().percent()).isEqualTo("75%"));
    trainer.succeed(namespace, get("outage").getStatus().jobName());
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
        .atMost(Duration.ofSeconds(60))
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

    admin
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "late-s3", objectStore.endpoint()))
        .create();
    awaitProgressWithoutDegraded("late");

    // Rotation by delete and recreate, mid-run: the running pod keeps the files it has.
    admin.secrets().inNamespace(namespace).withName("late-s3").delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(get("late").getStatus().condition(ConditionType.Degraded).orElseThrow())
                    .satisfies(d -> assertThat(d.reason()).isEqualTo("CredentialsSecretNotFound")));
    assertThat(get("late").getStatus().phase()).isEqualTo(FineTuneJobPhase.Running);
    admin
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "late-s3", objectStore.endpoint()))
        .create();
    awaitProgressWithoutDegraded("late");

    trainer.succeed(namespace, get("late").getStatus().jobName());
    awaitPhase("late", FineTuneJobPhase.Succeeded);
  }

  private void awaitProgressWithoutDegraded(String name) {
    await()
        .atMost(Duration.ofSeconds(60))
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
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              FineTuneJob early = get("early");
              // The first status patch may not have landed yet.
              assertThat(early.getStatus()).isNotNull();
              assertThat(early.getStatus().condition(ConditionType.Ready).orElseThrow().reason())
                  .isEqualTo("BaseModelNotFound");
            });
    assertThat(get("early").getStatus().phase()).isEqualTo(FineTuneJobPhase.Pending);
    assertThat(admin.batch().v1().jobs().inNamespace(namespace).list().getItems()).isEmpty();

    baseModel("base");
    awaitPhase("early", FineTuneJobPhase.Running);
    // As kubectl patch does (no resourceVersion): the operator's status writes in between cannot
    // make it a 409, as a PUT of a copy read before them would on a real API server.
    admin
        .resources(FineTuneJob.class)
        .inNamespace(namespace)
        .withName("early")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":true}}");
    awaitPhase("early", FineTuneJobPhase.Suspended);
    FineTuneJob job = get("early");
    assertThat(
            admin
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
