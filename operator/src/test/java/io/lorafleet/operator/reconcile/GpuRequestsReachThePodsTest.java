package io.lorafleet.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.operator.basemodel.ServingWorkload;
import io.lorafleet.operator.finetunejob.TrainerWorkload;
import io.lorafleet.operator.testing.TestOperatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 item 7: an {@code nvidia.com/gpu} request in a FineTuneJob or a BaseModel's serving spec
 * reaches the trainer's and the server's container as request and limit (the device plugin
 * schedules on both), and both pods get the writable {@code /tmp} where JCuda unpacks its natives.
 */
class GpuRequestsReachThePodsTest {
  private static final TestOperatorConfig CONFIG = new TestOperatorConfig();
  private static final Path ROOT = Path.of(System.getProperty("lorafleet.root", ".."));
  private static final Quantity ONE = new Quantity("1");

  @Test
  void aFineTuneJobsGpuReachesTheTrainerContainer() throws IOException {
    BaseModel base = walkthrough("01-basemodel.yaml", BaseModel.class, "");
    FineTuneJob job =
        walkthrough(
            "02-finetunejob.yaml",
            FineTuneJob.class,
            """
              resources:
                requests: {cpu: "4", memory: 16Gi, nvidia.com/gpu: 1}
                limits: {nvidia.com/gpu: 1}
            """);
    var pod = TrainerWorkload.job(job, base, CONFIG).getSpec().getTemplate().getSpec();
    Container trainer = pod.getContainers().getFirst();
    assertThat(trainer.getResources().getRequests()).containsEntry("nvidia.com/gpu", ONE);
    assertThat(trainer.getResources().getLimits()).containsEntry("nvidia.com/gpu", ONE);
    assertThat(trainer.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
  }

  @Test
  void aBaseModelsServingGpuReachesTheServerContainer() {
    BaseModel base =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: gpu, namespace: team-a}
            spec:
              source: {uri: s3://models/gpu}
              serving:
                adapterSlots: {maxLoaded: 4, maxCached: 16, maxRank: 32}
                resources:
                  requests: {cpu: "4", memory: 16Gi, nvidia.com/gpu: 2}
                  limits: {nvidia.com/gpu: 2}
            """,
            BaseModel.class);
    var pod = ServingWorkload.deployment(base, CONFIG).getSpec().getTemplate().getSpec();
    Container server = pod.getContainers().getFirst();
    assertThat(server.getResources().getRequests())
        .containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(server.getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(server.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
  }

  /** A walkthrough manifest with {@code specTail} appended under its spec (two-space indent). */
  private static <T> T walkthrough(String file, Class<T> type, String specTail) throws IOException {
    T resource =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough/" + file)) + specTail, type);
    var meta = ((io.fabric8.kubernetes.api.model.HasMetadata) resource).getMetadata();
    meta.setNamespace("team-a");
    meta.setUid("00000000-0000-0000-0000-000000000001");
    return resource;
  }
}
