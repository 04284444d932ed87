package io.lorafleet.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.mergepolicy.MergePolicyResources;
import io.lorafleet.operator.testing.kubelet.JobStatusWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Stands in for the kubelet running the merge Jobs in the tests that stay on the Fabric8 mock: it
 * follows the merge contract (reads merge.json from the ConfigMap, writes progress.json, a
 * published adapter version and result.json to object storage) and sets the Job's status; merges
 * succeed at once. Trainer Jobs get no status here: the training flow runs on the real control
 * plane (FineTuneJobReconcilerTest, with kubelet.SimulatedTrainer), and the mock tests that need a
 * trainer Job's end write it themselves.
 */
public final class FakeJobRunner implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final S3ObjectStore s3;
  private final SharedIndexInformer<Job> informer;
  private final JobStatusWriter statuses;

  public FakeJobRunner(KubernetesClient client, S3ObjectStore s3) {
    this.client = client;
    this.s3 = s3;
    this.statuses = new JobStatusWriter(client);
    this.informer =
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .withLabel(BaseModelResources.COMPONENT, MergePolicyResources.MERGER)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job job) {
                    Thread.ofVirtual().start(() -> merge(job));
                  }

                  @Override
                  public void onUpdate(Job before, Job after) {}

                  @Override
                  public void onDelete(Job job, boolean unknown) {}
                });
  }

  private void merge(Job job) {
    try {
      String namespace = job.getMetadata().getNamespace();
      JsonNode config =
          JSON.readTree(
              client
                  .configMaps()
                  .inNamespace(namespace)
                  .withName(job.getMetadata().getName())
                  .get()
                  .getData()
                  .get(MergePolicyResources.CONFIG_KEY));
      S3Uri run = S3Uri.parse(config.at("/run/directory").asText());
      s3.ensureBucket(run.bucket());
      statuses.running(job, 0);
      write(run, "progress.json", Map.of("step", 50, "totalSteps", 100, "epoch", 0.5));
      PublishedVersion version =
          TestArtifacts.publishAdapter(
              s3,
              config.at("/output/versionsUri").asText(),
              config.path("outputRank").asInt(8),
              config.toString().hashCode());
      write(run, "progress.json", Map.of("step", 100, "totalSteps", 100, "epoch", 1.0));
      write(
          run,
          "result.json",
          Map.of(
              "status",
              "succeeded",
              "adapter",
              Map.of("uri", version.uri().toString(), "digest", "sha256:" + version.digest())));
      statuses.complete(job);
    } catch (Exception e) {
      throw new IllegalStateException("fake merge failed", e);
    }
  }

  private void write(S3Uri run, String file, Map<String, Object> content) throws Exception {
    s3.putBytes(
        run.bucket(),
        run.prefix() + file,
        JSON.writeValueAsString(content).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    informer.close();
  }
}
