package io.lorafleet.operator.loraadapter.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.CanaryStep;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutEvaluationSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStrategy;
import io.lorafleet.operator.loraadapter.rollout.RolloutTransitions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The evaluation Job as a pure function of the adapter, its BaseModel and status.rollout. */
class EvaluationWorkloadTest {
  static final String STABLE = "sha256:" + "1".repeat(64);
  static final String CANDIDATE = "sha256:" + "2".repeat(64);

  static LoraAdapter adapter(String name) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid("uid-1").build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference("base"),
            new ArtifactSource("s3://adapters/tone", new SecretReference("adapters"), null),
            null,
            null,
            false,
            null,
            new RolloutSpec(
                RolloutStrategy.Canary,
                new CanarySpec(
                    List.of(new CanaryStep(100, null, null)),
                    null,
                    new RolloutEvaluationSpec(
                        "s3://data/eval.jsonl",
                        null,
                        "s3://data/safety.jsonl",
                        new SecretReference("data"),
                        RolloutEvaluationSpec.Match.REGEX,
                        "(?i)no way",
                        0.1,
                        null,
                        0.2,
                        null,
                        new ComputeResources(Map.of("memory", new Quantity("6Gi")), null)),
                    null))));
    return adapter;
  }

  static BaseModel base() {
    BaseModel base = new BaseModel();
    base.setMetadata(new ObjectMetaBuilder().withName("base").withNamespace("ns").build());
    base.setSpec(
        new BaseModelSpec(
            new ArtifactSource("s3://models/tiny", new SecretReference("models"), null), null));
    return base;
  }

  static RolloutStatus rollout() {
    return RolloutTransitions.evaluating(
        STABLE,
        "s3://adapters/tone/sha256-" + "1".repeat(64) + "/",
        CANDIDATE,
        "s3://adapters/tone/sha256-" + "2".repeat(64) + "/",
        "evaluating");
  }

  /** The Job on the spec's dataset (a candidate without a validation split). */
  static Job job(LoraAdapter adapter) {
    EvaluationDataset dataset =
        EvaluationDataset.choose(
                adapter.getSpec().rollout().canary().evaluation(),
                Map.of(),
                adapter.getSpec().artifact().credentialsSecretRef())
            .orElseThrow();
    return EvaluationWorkload.job("trainer:1", adapter, base(), rollout(), dataset);
  }

  @Test
  void theJobScoresStableAndCandidateWithTheSpecsDatasetsAndThresholds() {
    Job job = job(adapter("tone"));
    var container = job.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(container.getImage()).isEqualTo("trainer:1");
    assertThat(container.getArgs())
        .startsWith("eval")
        .containsSubsequence("--model", "s3://models/tiny")
        .containsSubsequence("--stable", rollout().stableVersion())
        .containsSubsequence("--candidate", rollout().canaryVersion())
        .containsSubsequence("--dataset", "s3://data/eval.jsonl")
        .containsSubsequence("--dataset-credentials-dir", "/var/run/lorafleet/credentials/data")
        .containsSubsequence("--safety-dataset", "s3://data/safety.jsonl")
        .containsSubsequence("--match", "regex")
        .containsSubsequence("--refusal-regex", "(?i)no way")
        .containsSubsequence("--max-loss-increase", "0.1")
        .containsSubsequence("--max-refusal-drop", "0.2")
        .containsSubsequence("--credentials-dir", "/var/run/lorafleet/credentials/data")
        .containsSubsequence("--model-credentials-dir", "/var/run/lorafleet/credentials/models")
        .containsSubsequence("--adapter-credentials-dir", "/var/run/lorafleet/credentials/adapters")
        // Unset thresholds keep the trainer's defaults.
        .doesNotContain(
            "--max-match-drop",
            "--min-loss-gain-over-base",
            "--dataset-digest",
            "--max-sequence-length");
  }

  @Test
  void theSpecsResourcesAreThePodsWithTheJvmDefaultsForWhatItLeavesOut() {
    var resources =
        job(adapter("tone"))
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .getFirst()
            .getResources();
    assertThat(resources.getRequests())
        .containsEntry("memory", new Quantity("6Gi"))
        .containsEntry("cpu", new Quantity("1"));
    // The JVM sizes its heap from the limit: the memory limit follows the request.
    assertThat(resources.getLimits()).containsEntry("memory", new Quantity("6Gi"));
  }

  @Test
  void leastPrivilegeCredentialsAsFilesAndNamedPerCandidate() {
    Job job = job(adapter("tone"));
    var pod = job.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().getFirst();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getEnv()).isEmpty();
    assertThat(container.getEnvFrom()).isEmpty();
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .extracting(v -> v.getSecret().getSecretName())
        .containsExactlyInAnyOrder("adapters", "data", "models");
    assertThat(pod.getVolumes()).extracting(Volume::getName).contains("scratch");
    assertThat(container.getVolumeMounts())
        .filteredOn(m -> m.getMountPath().startsWith("/var/run/lorafleet/credentials/"))
        .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
    assertThat(
            job.getSpec().getPodFailurePolicy().getRules().getFirst().getOnExitCodes().getValues())
        .containsExactly(2, 3);
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo("uid-1"));
    assertThat(job.getMetadata().getName())
        .isEqualTo("eval-222222222222-tone")
        .isEqualTo(EvaluationResources.jobName(adapter("tone"), CANDIDATE));
    // The same inputs give the same Job (a restarted operator finds it by name).
    assertThat(Serialization.asJson(job)).isEqualTo(Serialization.asJson(job(adapter("tone"))));
  }

  @Test
  void aLongAdapterNameStillGivesAValidJobNameAndLabel() {
    String name = "a".repeat(200);
    assertThat(EvaluationResources.jobName(adapter(name), CANDIDATE)).hasSizeLessThanOrEqualTo(63);
    assertThat(EvaluationResources.labels(adapter(name), CANDIDATE).values())
        .allSatisfy(v -> assertThat(v).hasSizeLessThanOrEqualTo(63));
  }
}
