package io.lorafleet.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.operator.basemodel.ServingWorkload;
import io.lorafleet.operator.finetunejob.TrainerWorkload;
import io.lorafleet.operator.mergepolicy.MergeWorkload;
import io.lorafleet.operator.testing.TestOperatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review T7: pods the operator creates are never BestEffort, a JVM's heap percentage has a memory
 * limit to refer to, the serving cache cannot fill the node's disk unseen, and the pods do not get
 * an API token they never use. Built from the walkthrough's manifests, which set no resources.
 */
class PodResourceDefaultsTest {
  private static final TestOperatorConfig CONFIG = new TestOperatorConfig();
  private static final Path ROOT = Path.of(System.getProperty("lorafleet.root", ".."));

  @Test
  void theBuiltinServerHasRequestsAMemoryLimitForItsHeapAndABoundedCache() throws IOException {
    BaseModel base = manifest("01-basemodel.yaml", BaseModel.class);
    PodSpec pod = ServingWorkload.deployment(base, CONFIG).getSpec().getTemplate().getSpec();
    Container server = pod.getContainers().getFirst();
    assertThat(server.getResources()).isNotNull();
    assertThat(server.getResources().getRequests()).containsKeys("cpu", "memory");
    // -XX:MaxRAMPercentage=80 in the image sizes the heap from the limit, not from the node.
    assertThat(server.getResources().getLimits())
        .containsEntry("memory", server.getResources().getRequests().get("memory"));
    Volume cache = volume(pod, "cache");
    assertThat(cache.getEmptyDir().getSizeLimit()).isNotNull();
    assertThat(server.getResources().getRequests())
        .containsEntry("ephemeral-storage", cache.getEmptyDir().getSizeLimit());
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    // Longer than the server's 30 s drain, so in-flight requests finish before SIGKILL.
    assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(30L);
  }

  @Test
  void aMemoryRequestAloneBecomesTheLimitAndGivenValuesAreKept() {
    BaseModel base =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: big, namespace: team-a}
            spec:
              source: {uri: s3://models/big}
              serving:
                adapterSlots: {maxLoaded: 4, maxCached: 16, maxRank: 32}
                resources:
                  requests: {cpu: "8", memory: 64Gi, ephemeral-storage: 200Gi, nvidia.com/gpu: 1}
                  limits: {nvidia.com/gpu: 1}
            """,
            BaseModel.class);
    PodSpec pod = ServingWorkload.deployment(base, CONFIG).getSpec().getTemplate().getSpec();
    Container server = pod.getContainers().getFirst();
    assertThat(server.getResources().getRequests())
        .containsEntry("cpu", new Quantity("8"))
        .containsEntry("memory", new Quantity("64Gi"))
        .containsEntry("ephemeral-storage", new Quantity("200Gi"));
    assertThat(server.getResources().getLimits())
        .containsEntry("memory", new Quantity("64Gi"))
        .containsEntry("nvidia.com/gpu", new Quantity("1"));
    // The cache may use what the pod asked the node for.
    assertThat(volume(pod, "cache").getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("200Gi"));
  }

  @Test
  void vllmPodsHaveRequestsSharedMemoryAndABoundedCache() throws IOException {
    BaseModel vllm =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough/01-basemodel.yaml"))
                .replace("  serving:\n", "  serving:\n    runtime: vllm\n"),
            BaseModel.class);
    PodSpec pod = ServingWorkload.deployment(vllm, CONFIG).getSpec().getTemplate().getSpec();
    Container server = pod.getContainers().getFirst();
    assertThat(server.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(volume(pod, "cache").getEmptyDir().getSizeLimit()).isNotNull();
    // PyTorch's workers share tensors through /dev/shm; the runtime's default is 64 MiB.
    Volume shm = volume(pod, "dshm");
    assertThat(shm.getEmptyDir().getMedium()).isEqualTo("Memory");
    assertThat(server.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/dev/shm"));
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void mergeAndTrainerPodsAreNotBestEffort() throws IOException {
    BaseModel base = manifest("01-basemodel.yaml", BaseModel.class);
    LoraAdapter adapter = manifest("03-loraadapter.yaml", LoraAdapter.class);
    MergePolicy policy = manifest("04-mergepolicy.yaml", MergePolicy.class);
    FineTuneJob job = manifest("02-finetunejob.yaml", FineTuneJob.class);
    for (PodSpec pod :
        List.of(
            MergeWorkload.job(policy, "k1", base, List.of(adapter, adapter), CONFIG)
                .getSpec()
                .getTemplate()
                .getSpec(),
            TrainerWorkload.job(job, base, CONFIG).getSpec().getTemplate().getSpec())) {
      Container container = pod.getContainers().getFirst();
      assertThat(container.getResources()).as(container.getName()).isNotNull();
      assertThat(container.getResources().getRequests())
          .as(container.getName())
          .containsKeys("cpu", "memory");
      assertThat(container.getResources().getLimits())
          .as(container.getName() + ": the JVM's MaxRAMPercentage needs a memory limit")
          .containsKey("memory");
      assertThat(pod.getAutomountServiceAccountToken()).as(container.getName()).isFalse();
    }
  }

  /** Review J4: merge pods are placed and sized like trainer pods, from their policy's spec. */
  @Test
  void mergePodsTakeTheirPolicysResourcesNodeSelectorAndTolerations() throws IOException {
    BaseModel base = manifest("01-basemodel.yaml", BaseModel.class);
    LoraAdapter adapter = manifest("03-loraadapter.yaml", LoraAdapter.class);
    MergePolicy plain = manifest("04-mergepolicy.yaml", MergePolicy.class);
    MergePolicy placed =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough/04-mergepolicy.yaml"))
                + """
                  resources:
                    requests: {cpu: "4", memory: 16Gi}
                  nodeSelector: {pool: cpu-large}
                  tolerations:
                  - {key: dedicated, operator: Equal, value: merges, effect: NoSchedule}
                """,
            MergePolicy.class);
    placed.getMetadata().setNamespace("team-a");
    placed.getMetadata().setUid("00000000-0000-0000-0000-000000000001");
    PodSpec pod =
        MergeWorkload.job(placed, "k1", base, List.of(adapter, adapter), CONFIG)
            .getSpec()
            .getTemplate()
            .getSpec();
    Container merge = pod.getContainers().getFirst();
    assertThat(merge.getResources().getRequests())
        .containsEntry("cpu", new Quantity("4"))
        .containsEntry("memory", new Quantity("16Gi"));
    assertThat(merge.getResources().getLimits()).containsEntry("memory", new Quantity("16Gi"));
    assertThat(pod.getNodeSelector()).containsEntry("pool", "cpu-large");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo("dedicated");
              assertThat(t.getValue()).isEqualTo("merges");
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    // Where a merge runs does not change its result: the same key, no second merge.
    assertThat(
            io.lorafleet.operator.mergepolicy.MergePolicyResources.key(placed, List.of("sha256:a")))
        .isEqualTo(
            io.lorafleet.operator.mergepolicy.MergePolicyResources.key(plain, List.of("sha256:a")));
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static <T> T manifest(String file, Class<T> type) throws IOException {
    T resource =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough/" + file)), type);
    var meta = ((io.fabric8.kubernetes.api.model.HasMetadata) resource).getMetadata();
    meta.setNamespace("team-a");
    meta.setUid("00000000-0000-0000-0000-000000000001");
    return resource;
  }
}
