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
import io.lorafleet.operator.finetunejob.FineTuneJobResources;
import io.lorafleet.operator.testing.kubelet.JobStatusWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for the kubelet running the trainer image's Jobs in the controller tests, where runs
 * must end when a test says so (the end-to-end test runs the real trainer image instead, see the
 * kubelet stand-in in lorafleet-testcluster): it follows the contract (reads trainer.json or
 * merge.json from the ConfigMap, writes progress.json, a published adapter version and result.json
 * to object storage) and sets the Job's status. Training runs wait for {@link #finish}; merges
 * succeed at once.
 */
public final class FakeJobRunner implements AutoCloseable {
  /** How a run ends. */
  public enum Outcome {
    SUCCEED,
    BAD_INPUT,
    /** Kubernetes ends the Job at activeDeadlineSeconds: no result.json, Job reason only. */
    DEADLINE_EXCEEDED
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final S3ObjectStore s3;
  private final SharedIndexInformer<Job> informer;
  private final JobStatusWriter statuses;
  private final Map<String, CompletableFuture<Outcome>> outcomes = new ConcurrentHashMap<>();
  private final Map<String, JsonNode> configs = new ConcurrentHashMap<>();

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
            .withLabel("app.kubernetes.io/managed-by", "lorafleet-operator")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job job) {
                    Thread.ofVirtual().start(() -> run(job));
                  }

                  @Override
                  public void onUpdate(Job before, Job after) {}

                  @Override
                  public void onDelete(Job job, boolean unknown) {}
                });
  }

  private CompletableFuture<Outcome> outcome(String namespace, String job) {
    return outcomes.computeIfAbsent(namespace + "/" + job, k -> new CompletableFuture<>());
  }

  /** Lets the run of this Job end (the trainer process exits). */
  public void finish(String namespace, String jobName, Outcome outcome) {
    outcome(namespace, jobName).complete(outcome);
  }

  /** The trainer.json the run started with. */
  public JsonNode config(String namespace, String jobName) {
    return configs.get(namespace + "/" + jobName);
  }

  private void run(Job job) {
    try {
      String namespace = job.getMetadata().getNamespace();
      String name = job.getMetadata().getName();
      boolean merge =
          "merger".equals(job.getMetadata().getLabels().get("app.kubernetes.io/component"));
      JsonNode config =
          JSON.readTree(
              client
                  .configMaps()
                  .inNamespace(namespace)
                  .withName(name)
                  .get()
                  .getData()
                  .get(merge ? "merge.json" : FineTuneJobResources.CONFIG_KEY));
      if (merge) {
        outcome(namespace, name).complete(Outcome.SUCCEED);
      }
      configs.put(namespace + "/" + name, config);
      S3Uri run = S3Uri.parse(config.at("/run/directory").asText());
      s3.ensureBucket(run.bucket());
      statuses.running(job, 0);
      write(
          run,
          "progress.json",
          Map.of(
              "step",
              50,
              "totalSteps",
              100,
              "epoch",
              0.5,
              "loss",
              1.25,
              "tokensPerSecond",
              900.0,
              "etaSeconds",
              75,
              "lastCheckpoint",
              Map.of("step", 50, "uri", run.child("checkpoints").child("step-50").toString())));
      if (!merge) {
        S3Uri checkpoint = run.child("checkpoints").child("step-50");
        s3.putBytes(
            checkpoint.bucket(),
            checkpoint.prefix() + "adapter_model.safetensors",
            new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
        s3.putBytes(
            checkpoint.bucket(),
            checkpoint.prefix() + "optimizer.bin",
            "adam".getBytes(StandardCharsets.UTF_8));
      }
      Outcome outcome = outcome(namespace, name).get();
      if (outcome == Outcome.SUCCEED) {
        PublishedVersion version =
            TestArtifacts.publishAdapter(
                s3,
                config.at("/output/versionsUri").asText(),
                merge ? config.path("outputRank").asInt(8) : config.at("/lora/rank").asInt(),
                merge ? config.toString().hashCode() : 42);
        write(
            run,
            "progress.json",
            Map.of("step", 100, "totalSteps", 100, "epoch", 1.0, "loss", 0.5));
        write(
            run,
            "result.json",
            Map.of(
                "status",
                "succeeded",
                "adapter",
                Map.of("uri", version.uri().toString(), "digest", "sha256:" + version.digest())));
        statuses.complete(job);
      } else if (outcome == Outcome.DEADLINE_EXCEEDED) {
        statuses.failed(job, 0, "DeadlineExceeded");
      } else {
        write(
            run,
            "result.json",
            Map.of(
                "status",
                "failed",
                "reason",
                "InvalidDataset",
                "message",
                "37 of 120 lines invalid (30.8% > 1%); first: train.jsonl:3: missing \"completion\""));
        statuses.failed(job, 1, "PodFailurePolicy");
      }
    } catch (Exception e) {
      throw new IllegalStateException("fake trainer failed", e);
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
