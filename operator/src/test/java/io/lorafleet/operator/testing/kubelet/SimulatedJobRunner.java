package io.lorafleet.operator.testing.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.finetunejob.FineTuneJobResources;
import io.lorafleet.operator.mergepolicy.MergePolicyResources;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.testcluster.kubelet.ContainerLaunch;
import io.lorafleet.testcluster.kubelet.ContainerRuntime;
import io.lorafleet.testcluster.kubelet.RunningContainer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Job pods' containers for the kubelet stand-in, simulated: training runs in a {@link
 * SimulatedTrainer} ({@link #training}), which ends them when a test says. A merge follows the
 * trainer image's merge contract (reads merge.json, writes progress.json, a published adapter
 * version and result.json to object storage) and exits as the trainer does: 0 on success, {@value
 * #EXIT_BAD_INPUT} on bad input, which the Job's podFailurePolicy turns into a failed Job. The real
 * Job controller then writes the Job's status from the pod's exit. Merges succeed at once unless
 * the namespace's merges are told to fail ({@link #failMerges}) or to wait before they exit ({@link
 * #holdCompletions}).
 */
public final class SimulatedJobRunner implements ContainerRuntime {
  /** The trainer image's exit code for bad input (FineTuneJobResources.EXIT_BAD_INPUT). */
  static final int EXIT_BAD_INPUT = 2;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final S3ObjectStore s3;
  private final Map<String, String> mergeFailures = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> completions = new ConcurrentHashMap<>();
  private final java.util.Set<String> held = ConcurrentHashMap.newKeySet();
  private final SimulatedTrainer training = new SimulatedTrainer();

  public SimulatedJobRunner(S3ObjectStore s3) {
    this.s3 = s3;
  }

  /** Whether this runtime runs the pod: a merge or trainer Job's pod. */
  public static boolean runs(io.fabric8.kubernetes.api.model.Pod pod) {
    String component = pod.getMetadata().getLabels().get(BaseModelResources.COMPONENT);
    return MergePolicyResources.MERGER.equals(component)
        || FineTuneJobResources.TRAINER.equals(component);
  }

  /** The training runs, which the tests end. */
  public SimulatedTrainer training() {
    return training;
  }

  /** Merges in this namespace fail from now on: result.json reports {@code reason}, exit 2. */
  public void failMerges(String namespace, String reason) {
    mergeFailures.put(namespace, reason);
  }

  /**
   * Successful runs in this namespace write their outputs (adapter, result.json) and then wait for
   * {@link #complete} before they exit 0, so a test can act in between.
   */
  public void holdCompletions(String namespace) {
    held.add(namespace);
  }

  /** Lets a held run exit 0. */
  public void complete(String namespace, String jobName) {
    completion(namespace, jobName).complete(null);
  }

  /** Whether a held run has written its outputs and waits for {@link #complete}. */
  public boolean waitingToComplete(String namespace, String jobName) {
    return completions.containsKey(namespace + "/" + jobName);
  }

  private CompletableFuture<Void> completion(String namespace, String job) {
    return completions.computeIfAbsent(namespace + "/" + job, k -> new CompletableFuture<>());
  }

  @Override
  public boolean probes(ContainerLaunch launch) {
    return false;
  }

  @Override
  public RunningContainer start(ContainerLaunch launch) {
    if (FineTuneJobResources.TRAINER.equals(
        launch.pod().getMetadata().getLabels().get(BaseModelResources.COMPONENT))) {
      return training.start(launch);
    }
    return SimulatedContainer.start("merge-" + launch.podName(), run -> merge(launch));
  }

  private int merge(ContainerLaunch launch) throws Exception {
    String namespace = launch.namespace();
    String job = launch.pod().getMetadata().getLabels().get("batch.kubernetes.io/job-name");
    JsonNode config =
        JSON.readTree(
            launch
                .client()
                .configMaps()
                .inNamespace(namespace)
                .withName(job)
                .get()
                .getData()
                .get(MergePolicyResources.CONFIG_KEY));
    S3Uri run = S3Uri.parse(config.at("/run/directory").asText());
    s3.ensureBucket(run.bucket());
    write(run, "progress.json", Map.of("step", 50, "totalSteps", 100, "epoch", 0.5, "loss", 1.25));
    String failure = mergeFailures.get(namespace);
    if (failure != null) {
      write(
          run,
          "result.json",
          Map.of(
              "status",
              "failed",
              "reason",
              failure,
              "message",
              "source tone: rank 64 exceeds the output rank 8"));
      return EXIT_BAD_INPUT;
    }
    PublishedVersion version =
        TestArtifacts.publishAdapter(
            s3,
            config.at("/output/versionsUri").asText(),
            config.path("outputRank").asInt(8),
            config.toString().hashCode());
    write(run, "progress.json", Map.of("step", 100, "totalSteps", 100, "epoch", 1.0, "loss", 0.5));
    write(
        run,
        "result.json",
        Map.of(
            "status",
            "succeeded",
            "adapter",
            Map.of("uri", version.uri().toString(), "digest", "sha256:" + version.digest())));
    if (held.contains(namespace)) {
      completion(namespace, job).get();
    }
    return 0;
  }

  private void write(S3Uri run, String file, Map<String, Object> content) throws Exception {
    SimulatedContainer.writeJson(s3, run, file, content);
  }
}
