package io.lorafleet.operator.testing.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.artifacts.store.ObjectStoreConfig;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.testcluster.kubelet.ContainerLaunch;
import io.lorafleet.testcluster.kubelet.RunningContainer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The trainer Job's container for the kubelet stand-in, simulated, so that a run ends when the test
 * says (the end-to-end test runs the real trainer). It follows the trainer image's training
 * contract: reads trainer.json from the mounted ConfigMap at the path its {@code --config} argument
 * names (the stand-in translates the container paths in it, as for real processes), reaches object
 * storage with the files of the mounted output credentials Secret ({@code output.credentialsDir}),
 * trains to the half-way checkpoint (the checkpoint's files, then progress.json naming it) and then
 * does what the test asks of the Job, in order: {@link #progress}, {@link #succeed} (publish a
 * version under {@code output.versionsUri}, progress.json at 100 %, result.json, exit 0) or {@link
 * #fail} (result.json with the trainer's reason, the termination message "reason: message", and the
 * trainer's exit code: {@value SimulatedJobRunner#EXIT_BAD_INPUT} for bad input, which the Job's
 * podFailurePolicy fails at once, 1 for a transient failure, which the Job retries in a new pod
 * that takes the test's next step). A SIGTERM (deadline, suspend, deletion) ends a run with 143 and
 * leaves the test's steps for the Job's next pod. The real Job controller writes the Job's status
 * from the pod's exit.
 */
public final class SimulatedTrainer {
  /** The half-way report every run makes first: step 50 of 100 for the tests' spec. */
  private static final double HALF_WAY_LOSS = 1.25;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The test's steps per Job, "namespace/job": a Job's pods take them in turn. */
  private final Map<String, BlockingQueue<Step>> steps = new ConcurrentHashMap<>();

  private sealed interface Step {}

  private record Progress(long step) implements Step {}

  private record Succeed() implements Step {}

  private record Fail(int exitCode, String reason, String message) implements Step {}

  SimulatedTrainer() {}

  /** The run writes progress.json at {@code step} (a training run's later report). */
  public void progress(String namespace, String job, long step) {
    steps(namespace, job).add(new Progress(step));
  }

  /** The run publishes its adapter, writes result.json and exits 0. */
  public void succeed(String namespace, String job) {
    steps(namespace, job).add(new Succeed());
  }

  /**
   * The run ends as a failed trainer does: result.json {@code failed} with {@code reason} and
   * {@code message} (none when {@code reason} is null: a crash), the termination message, and
   * {@code exitCode}.
   */
  public void fail(String namespace, String job, int exitCode, String reason, String message) {
    steps(namespace, job).add(new Fail(exitCode, reason, message));
  }

  private BlockingQueue<Step> steps(String namespace, String job) {
    return steps.computeIfAbsent(namespace + "/" + job, k -> new LinkedBlockingQueue<>());
  }

  RunningContainer start(ContainerLaunch launch) {
    return SimulatedContainer.start("train-" + launch.podName(), run -> train(launch, run));
  }

  private int train(ContainerLaunch launch, SimulatedContainer container) throws Exception {
    String namespace = launch.namespace();
    String job = launch.pod().getMetadata().getLabels().get("batch.kubernetes.io/job-name");
    JsonNode config = JSON.readTree(Files.readString(configFile(launch)));
    long totalSteps = config.at("/training/maxSteps").asLong();
    S3Uri run = S3Uri.parse(config.at("/run/directory").asText());
    try (S3ObjectStore s3 = outputStore(config)) {
      s3.ensureBucket(run.bucket());
      S3Uri checkpoint = run.child("checkpoints").child("step-" + totalSteps / 2);
      s3.putBytes(
          checkpoint.bucket(),
          checkpoint.prefix() + "adapter_model.safetensors",
          new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
      s3.putBytes(
          checkpoint.bucket(),
          checkpoint.prefix() + "optimizer.bin",
          "adam".getBytes(StandardCharsets.UTF_8));
      Map<String, Object> halfWay = progress(totalSteps / 2, totalSteps);
      halfWay.put("loss", HALF_WAY_LOSS);
      halfWay.put("tokensPerSecond", 900.0);
      halfWay.put("etaSeconds", 75);
      halfWay.put("lastCheckpoint", Map.of("step", totalSteps / 2, "uri", checkpoint.toString()));
      SimulatedContainer.writeJson(s3, run, "progress.json", halfWay);
      while (true) {
        switch (steps(namespace, job).take()) {
          case Progress p ->
              SimulatedContainer.writeJson(
                  s3, run, "progress.json", progress(p.step(), totalSteps));
          case Succeed s -> {
            PublishedVersion version =
                TestArtifacts.publishAdapter(
                    s3,
                    config.at("/output/versionsUri").asText(),
                    config.at("/lora/rank").asInt(),
                    42);
            String digest = "sha256:" + version.digest();
            SimulatedContainer.writeJson(
                s3, run, "progress.json", progress(totalSteps, totalSteps));
            SimulatedContainer.writeJson(
                s3,
                run,
                "result.json",
                Map.of(
                    "status",
                    "succeeded",
                    "adapter",
                    Map.of("uri", version.uri().toString(), "digest", digest)));
            container.terminationMessage("succeeded: " + digest);
            return 0;
          }
          case Fail f -> {
            if (f.reason() != null) {
              SimulatedContainer.writeJson(
                  s3,
                  run,
                  "result.json",
                  Map.of("status", "failed", "reason", f.reason(), "message", f.message()));
            }
            container.terminationMessage(
                f.reason() == null ? f.message() : f.reason() + ": " + f.message());
            return f.exitCode();
          }
        }
      }
    }
  }

  private static Map<String, Object> progress(long step, long totalSteps) {
    Map<String, Object> progress = new LinkedHashMap<>();
    progress.put("step", step);
    progress.put("totalSteps", totalSteps);
    progress.put("epoch", (double) step / totalSteps);
    return progress;
  }

  /** trainer.json where the pod mounted it: the argument after {@code --config}. */
  private static Path configFile(ContainerLaunch launch) {
    List<String> args = launch.container().getArgs();
    int at = args.indexOf("--config");
    if (at < 0 || at + 1 >= args.size()) {
      throw new IllegalArgumentException("the trainer container has no --config: " + args);
    }
    return launch.paths().local(args.get(at + 1));
  }

  /** A client as the trainer makes one: from the files of the mounted credentials Secret. */
  private static S3ObjectStore outputStore(JsonNode config) throws Exception {
    // The stand-in rewrote the mounted file's container paths to their local paths.
    Path dir = Path.of(config.at("/output/credentialsDir").asText());
    String endpoint = Files.readString(dir.resolve(ObjectStoreAccess.ENDPOINT)).strip();
    return new S3ObjectStore(
        ObjectStoreConfig.of(URI.create(endpoint), S3Credentials.fromSecretDirectory(dir)));
  }
}
