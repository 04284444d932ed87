package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.api.v1alpha1.loraadapter.AdapterPlacement;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.LogCapture;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.kubelet.LocalImages;
import io.lorafleet.operator.testing.kubelet.ProcessDeploymentController;
import io.lorafleet.operator.testing.kubelet.ProcessDeploymentController.ServerPod;
import io.lorafleet.operator.testing.kubelet.ProcessJobRunner;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole life of an adapter with real parts and no cluster: the walk-through manifests in
 * examples/ applied to the mock API server; the trainer Job run by the real trainer application in
 * child JVMs (one killed mid-run and replaced); the serving pool run by real server processes on
 * loopback; object storage in S3Proxy. Only the API server and the kubelet are stand-ins.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class LifecycleEndToEndTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("lorafleet.root", ".."), "examples", "walkthrough");
  private static final String NAMESPACE = "e2e";
  private static final Duration TRAINING = Duration.ofMinutes(4);
  private static EmbeddedObjectStore objectStore;
  private static Path workDir;
  private static ProcessDeploymentController pods;
  private static ProcessJobRunner jobs;
  private static LogCapture operatorLog;

  @Inject KubernetesClient client;

  @BeforeAll
  static void objectStoreModelAndDataset() throws Exception {
    String missing = LocalImages.missing();
    if (missing != null) {
      // The reactor builds both applications before this module; a missing jar is a broken build.
      throw new IllegalStateException(
          missing + " is missing: build the reactor (./mvnw verify) before the operator tests");
    }
    operatorLog = LogCapture.install();
    objectStore = EmbeddedObjectStore.start();
    workDir = Files.createTempDirectory("e2e");
    Path model = workDir.resolve("model");
    generateModel(model);
    objectStore.client().ensureBucket("lorafleet");
    try (Stream<Path> files = Files.list(model)) {
      for (Path file : files.toList()) {
        objectStore
            .client()
            .putBytes(
                "lorafleet", "models/smollm2-135m/" + file.getFileName(), Files.readAllBytes(file));
      }
    }
    objectStore
        .client()
        .putBytes(
            "lorafleet",
            "datasets/reverse-words.jsonl",
            ReverseWordsDataset.jsonl(400, 3).getBytes(StandardCharsets.UTF_8));
  }

  /** A small random Llama stands where the walk-through expects SmolLM2-135M. */
  private static void generateModel(Path dir) throws Exception {
    List<String> command = new ArrayList<>(LocalImages.trainer());
    int jar = command.indexOf("-jar");
    command.set(jar, "-cp");
    command.add("io.lorafleet.engine.testmodels.TestModelGenerator");
    command.add("llamaGqa");
    command.add(dir.toString());
    Process p = new ProcessBuilder(command).inheritIO().start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("model generator exit code").isZero();
  }

  @AfterAll
  static void stop() throws IOException {
    if (pods != null) {
      pods.close();
      jobs.close();
    }
    if (operatorLog != null) {
      operatorLog.close();
    }
    objectStore.close();
  }

  private <T> T example(String file, Class<T> type, Map<String, String> edits) throws IOException {
    String yaml = Files.readString(EXAMPLES.resolve(file));
    for (Map.Entry<String, String> edit : edits.entrySet()) {
      assertThat(yaml).as("%s mentions %s", file, edit.getKey()).contains(edit.getKey());
      yaml = yaml.replace(edit.getKey(), edit.getValue());
    }
    return Serialization.unmarshal(yaml, type);
  }

  private LoraAdapter adapter(String name) {
    return client.resources(LoraAdapter.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private FineTuneJob fineTuneJob(String name) {
    return client.resources(FineTuneJob.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private String adminToken() {
    Secret secret =
        client.secrets().inNamespace(NAMESPACE).withName("admin-token-smollm2-135m").get();
    return new String(
        Base64.getDecoder().decode(secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY)),
        StandardCharsets.UTF_8);
  }

  /** The walk-through's FineTuneJob as is, under another name and seed for a second version. */
  private FineTuneJob trainingRun(String name, long seed) throws IOException {
    FineTuneJob job =
        example(
            "02-finetunejob.yaml",
            FineTuneJob.class,
            Map.of(
                "name: reverse-words\n",
                "name: " + name + "\n",
                "maxSteps: 300",
                "maxSteps: 300\n    seed: " + seed));
    job.getMetadata().setNamespace(NAMESPACE);
    return client.resource(job).create();
  }

  /** Whether the run has a complete checkpoint in object storage (its marker is written last). */
  private boolean hasCheckpoint(String jobName) {
    return objectStore
        .client()
        .list("lorafleet", NAMESPACE + "/finetunejobs/" + jobName + "/")
        .stream()
        .anyMatch(
            o -> o.key().contains("/checkpoints/step-") && o.key().endsWith("/checkpoint.json"));
  }

  @Test
  void trainsServesFollowsReplacementsSwapsVersionsAndUnloads() throws Exception {
    pods = new ProcessDeploymentController(client, workDir.resolve("pods"));
    jobs = new ProcessJobRunner(client, workDir.resolve("jobs"));
    Secret credentials = example("00-credentials.yaml", Secret.class, Map.of());
    client
        .secrets()
        .inNamespace(NAMESPACE)
        .resource(
            objectStore.credentialsSecret(
                NAMESPACE, credentials.getMetadata().getName(), objectStore.endpoint()))
        .create();
    BaseModel base = example("01-basemodel.yaml", BaseModel.class, Map.of());
    base.getMetadata().setNamespace(NAMESPACE);
    client.resource(base).create();

    // Training, with the first trainer pod lost after a checkpoint: the replacement resumes.
    // The serving pool comes up first, so its two JVMs do not compete with the trainer for the
    // cores while the test waits to kill it mid-run.
    await()
        .atMost(TRAINING)
        .until(
            () ->
                client
                    .resources(BaseModel.class)
                    .inNamespace(NAMESPACE)
                    .withName(base.getMetadata().getName())
                    .get()
                    .isReady());
    // The kill follows the trainer's first checkpoint (it logs the step after the checkpoint is
    // complete): watched in the pod's own log, which is cheap to poll, and not through the
    // operator's status, which may lag on a busy machine while the run goes on.
    trainingRun("reverse-words", 7);
    await()
        .atMost(TRAINING)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                jobs.runningJob(NAMESPACE)
                    .filter(job -> jobs.log(NAMESPACE, job).contains("step 50/300"))
                    .isPresent());
    String jobName = jobs.runningJob(NAMESPACE).orElseThrow();
    jobs.killPod(NAMESPACE, jobName);
    assertThat(hasCheckpoint("reverse-words")).isTrue();
    await()
        .atMost(TRAINING)
        .until(
            () -> {
              FineTuneJob job = fineTuneJob("reverse-words");
              return job.getStatus() != null && jobName.equals(job.getStatus().jobName());
            });
    await()
        .atMost(TRAINING)
        .untilAsserted(
            () ->
                assertThat(fineTuneJob("reverse-words").getStatus().phase())
                    .as("phase; trainer log:\n%s", jobs.log(NAMESPACE, jobName))
                    .isEqualTo(FineTuneJobPhase.Succeeded));
    assertThat(jobs.podsStarted(NAMESPACE, jobName)).isEqualTo(2);
    assertThat(jobs.log(NAMESPACE, jobName))
        .as("the replacement pod resumed mid-run")
        .containsPattern("resuming from \\S+/checkpoints/step-(50|100|150|200|250) ")
        .contains("step 300/300");
    String v1 = fineTuneJob("reverse-words").getStatus().output().digest();

    // Deployed on both serving pods, answering through the OpenAI API.
    ServingPodClient serving = new ServingPodClient(adminToken());
    awaitServedEverywhere("reverse-words", v1, 2);
    Map<String, ServerPod> servers = pods.servers(NAMESPACE, "smollm2-135m");
    List<String> answers = new ArrayList<>();
    for (ServerPod pod : servers.values()) {
      answers.add(serving.complete(pod, "reverse-words", "abc="));
      assertThat(serving.complete(pod, "smollm2-135m", "abc=")).isNotNull();
    }
    assertThat(answers).as("the same adapter version answers alike on every pod").hasSize(2);
    assertThat(answers.get(0)).isEqualTo(answers.get(1));

    // A lost serving pod: its replacement gets the adapter without any change to the CRs.
    String lost = servers.keySet().iterator().next();
    pods.replacePod(NAMESPACE, lost);
    awaitServedEverywhere("reverse-words", v1, 2);
    assertThat(pods.servers(NAMESPACE, "smollm2-135m")).doesNotContainKey(lost);

    // A new version (a second run writing the same adapter) swaps in on both pods.
    trainingRun("reverse-words-v2", 8);
    await()
        .atMost(TRAINING)
        .until(
            () -> {
              FineTuneJob job = fineTuneJob("reverse-words-v2");
              return job.getStatus() != null
                  && job.getStatus().phase() == FineTuneJobPhase.Succeeded;
            });
    String v2 = fineTuneJob("reverse-words-v2").getStatus().output().digest();
    assertThat(v2).isNotEqualTo(v1);
    awaitServedEverywhere("reverse-words", v2, 2);

    // Deleting the LoraAdapter unloads it everywhere.
    client.resource(adapter("reverse-words")).delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> adapter("reverse-words") == null);
    for (ServerPod pod : pods.servers(NAMESPACE, "smollm2-135m").values()) {
      assertThat(serving.loaded(pod)).doesNotContainKey("reverse-words");
    }

    assertNoSecretAnywhere();
  }

  private void awaitServedEverywhere(String name, String digest, int replicas) {
    ServingPodClient serving = new ServingPodClient(adminToken());
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              LoraAdapter adapter = adapter(name);
              assertThat(adapter).isNotNull();
              assertThat(adapter.isReady()).as("Ready: %s", adapter.getStatus()).isTrue();
              assertThat(adapter.getStatus().placements())
                  .extracting(AdapterPlacement::digest)
                  .hasSize(replicas)
                  .containsOnly(digest);
              Map<String, ServerPod> servers = pods.servers(NAMESPACE, "smollm2-135m");
              assertThat(servers).hasSize(replicas);
              for (ServerPod pod : servers.values()) {
                assertThat(serving.loaded(pod)).containsEntry(name, digest);
              }
            });
  }

  private void assertNoSecretAnywhere() throws IOException {
    assertThat(operatorLog.lines()).noneMatch(l -> l.contains(EmbeddedObjectStore.SECRET_KEY));
    try (Stream<Path> files = Files.walk(workDir)) {
      for (Path log : files.filter(f -> f.getFileName().toString().equals("log")).toList()) {
        assertThat(Files.readString(log))
            .as("pod output %s", log)
            .doesNotContain(EmbeddedObjectStore.SECRET_KEY);
      }
    }
    for (FineTuneJob job :
        client.resources(FineTuneJob.class).inNamespace(NAMESPACE).list().getItems()) {
      assertThat(Serialization.asJson(job.getStatus()))
          .doesNotContain(EmbeddedObjectStore.SECRET_KEY);
    }
    assertThat(Serialization.asJson(client.v1().events().inNamespace(NAMESPACE).list().getItems()))
        .doesNotContain(EmbeddedObjectStore.SECRET_KEY);
  }
}
