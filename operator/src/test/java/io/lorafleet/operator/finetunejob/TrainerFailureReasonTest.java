package io.lorafleet.operator.finetunejob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.operator.testing.ClusterTestBase;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.kubelet.JobStatusWriter;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Review J4: a trainer that the kernel killed for memory, or that crashed without a result.json,
 * fails its FineTuneJob with what its pod's container reported (OOMKilled, the exit code, the
 * termination message), not only the Job's BackoffLimitExceeded.
 *
 * <p>Kept on the Fabric8 mock: the trainer pods' terminated states are written by hand. An
 * OOMKilled container cannot be produced on the real control plane: the kubelet stand-in enforces
 * no memory limit (a real kubelet reports OOMKilled when the kernel's cgroup memory limit kills the
 * process). A trainer that crashed with an exit code and a termination message runs there
 * (FineTuneJobReconcilerTest). The 422 on the trainer Job's create could move there too, made by a
 * ValidatingAdmissionPolicy on Jobs as BaseModelReconcilerTest's 422 is; not moved yet.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class TrainerFailureReasonTest extends ClusterTestBase {

  @Test
  void anOomKilledTrainerFailsTheRunAsOomKilled() {
    Condition degraded = failWith("oom", 137, "OOMKilled", null);
    assertThat(degraded.reason()).isEqualTo("OOMKilled");
    assertThat(degraded.message()).contains("137").contains("memory limit");
  }

  @KubernetesTestServer KubernetesServer server;

  /**
   * A trainer Job the API server refuses (422, a value the CRD could not check) is a permanent
   * problem of the spec, reported as BaseModel and MergePolicy report it: Degraded with the API
   * server's own message, not progressing, not retried.
   */
  @Test
  void aTrainerJobTheApiServerRejectsIsAPermanentReasonWithItsMessage() {
    baseModel("base");
    String message =
        "Job.batch \"train-rejected\" is invalid:"
            + " spec.template.spec.containers[0].resources.requests[cpu]: Invalid value:"
            + " \"4 cores\": quantities must match the regular expression";
    server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/" + namespace + "/jobs")
        .andReturn(
            422,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withStatus("Failure")
                .withCode(422)
                .withReason("Invalid")
                .withMessage(message)
                .build())
        .always();
    create("rejected");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var status = get("rejected").getStatus();
              assertThat(status).isNotNull();
              Condition degraded = status.condition(ConditionType.Degraded).orElseThrow();
              assertThat(degraded.reason()).isEqualTo("RejectedByApiServer");
              assertThat(degraded.isTrue()).isTrue();
              assertThat(degraded.message()).isEqualTo(message);
              Condition progressing = status.condition(ConditionType.Progressing).orElseThrow();
              assertThat(progressing.isTrue()).as("progressing").isFalse();
              assertThat(progressing.reason()).isEqualTo("RejectedByApiServer");
              // A run's spec cannot change after creation: nothing can make this one start.
              assertThat(status.phase()).isEqualTo(FineTuneJobPhase.Failed);
            });
  }

  /** Runs a FineTuneJob whose trainer pod ends as given and whose Job then fails for good. */
  private Condition failWith(String name, int exitCode, String reason, String message) {
    baseModel("base");
    create(name);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get(name).getStatus() != null && get(name).getStatus().jobName() != null);
    String jobName = get(name).getStatus().jobName();
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
    // The Job controller's pod, as the kubelet leaves it after the container ended.
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(jobName + "-x7k2p")
            .withNamespace(namespace)
            .addToLabels("batch.kubernetes.io/job-name", jobName)
            .addToLabels("job-name", jobName)
            .addToLabels("batch.kubernetes.io/controller-uid", job.getMetadata().getUid())
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .build();
    pod = client.pods().inNamespace(namespace).resource(pod).create();
    pod.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Failed")
            .addNewContainerStatus()
            .withName("trainer")
            .withImage("trainer")
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason(reason)
            .withMessage(message)
            .withFinishedAt("2026-12-06T22:00:00Z")
            .endTerminated()
            .endState()
            .endContainerStatus()
            .build());
    client.pods().inNamespace(namespace).resource(pod).updateStatus();
    new JobStatusWriter(client).failed(job, 4, "BackoffLimitExceeded");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(get(name).getStatus().phase()).isEqualTo(FineTuneJobPhase.Failed));
    return get(name).getStatus().condition(ConditionType.Degraded).orElseThrow();
  }

  private FineTuneJob get(String name) {
    return client.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
  }

  private void create(String name) {
    client
        .resource(FineTuneJobFixtures.fineTuneJob(namespace, name, FineTuneJobFixtures.spec()))
        .create();
  }
}
