package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.api.v1alpha1.loraadapter.AdapterPlacement;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.basemodel.RouterResources;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.LogCapture;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.kubelet.LocalImages;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.Kubelet;
import io.lorafleet.testcluster.kubelet.ProcessRuntime;
import io.lorafleet.testcluster.kubelet.ServiceProxy;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole life of an adapter on the real control plane (lorafleet-testcluster): the walk-through
 * manifests in examples/ applied to kube-apiserver in a Pod Security "restricted" namespace; the
 * operator authenticated as the chart's ServiceAccount; the trainer Job run by the real Job
 * controller, its pods by the kubelet stand-in as the real trainer application in child JVMs (one
 * killed mid-run and replaced by the Job controller); the serving Deployment's pods as real server
 * processes, each on its own loopback IP, as UID 10001 with kubelet file modes; inference requests
 * through the Service (round-robin over its ready pods); object storage in S3Proxy. Only the
 * kubelet and kube-proxy are stand-ins.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class LifecycleEndToEndTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("lorafleet.root", ".."), "examples", "walkthrough");
  private static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
  private static final Duration TRAINING = Duration.ofMinutes(4);
  private static EmbeddedObjectStore objectStore;
  private static Path workDir;
  private static Kubelet kubelet;
  private static LogCapture operatorLog;
  private static String namespace;

  @Inject OperatorConfig config;

  private final KubernetesClient client = RealCluster.get().admin();

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
    // Pods run as UID 10001 and reach their volumes under it.
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    namespace = RealCluster.get().restrictedNamespace("e2e");
    Path model = workDir.resolve("model");
    // A small random Llama stands where the walk-through expects SmolLM2-135M.
    LocalImages.generateTestModel(model);
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

  @AfterAll
  static void stop() throws IOException {
    if (namespace != null) {
      // The pool first: its dependents recreated in a terminating namespace would be refused (403,
      // counted as denied by OperatorRbacAuditIT).
      KubernetesClient admin = RealCluster.get().admin();
      admin.resources(BaseModel.class).inNamespace(namespace).delete();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  admin
                      .resources(BaseModel.class)
                      .inNamespace(namespace)
                      .list()
                      .getItems()
                      .isEmpty());
      // Its Deployment would otherwise outlive the test and be scheduled to the next kubelet.
      RealCluster.get().admin().namespaces().withName(namespace).delete();
    }
    if (kubelet != null) {
      kubelet.close();
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
    return client.resources(LoraAdapter.class).inNamespace(namespace).withName(name).get();
  }

  private FineTuneJob fineTuneJob(String name) {
    return client.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
  }

  private String adminToken() {
    Secret secret =
        client.secrets().inNamespace(namespace).withName("admin-token-smollm2-135m").get();
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
    job.getMetadata().setNamespace(namespace);
    return client.resource(job).create();
  }

  /** Whether the run has a complete checkpoint in object storage (its marker is written last). */
  private boolean hasCheckpoint(String jobName) {
    return objectStore
        .client()
        .list("lorafleet", namespace + "/finetunejobs/" + jobName + "/")
        .stream()
        .anyMatch(
            o -> o.key().contains("/checkpoints/step-") && o.key().endsWith("/checkpoint.json"));
  }

  /** The trainer pods of the namespace, oldest first. */
  private List<Pod> trainerPods() {
    return client.pods().inNamespace(namespace).withLabel(JOB_NAME_LABEL).list().getItems().stream()
        .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
        .toList();
  }

  private List<Pod> trainerPods(String jobName) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel(JOB_NAME_LABEL, jobName)
        .list()
        .getItems()
        .stream()
        .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
        .toList();
  }

  /** The running trainer pod whose own log says it is past its first checkpoint. */
  private Optional<Pod> trainerPastFirstCheckpoint() {
    return trainerPods().stream()
        .filter(p -> "Running".equals(p.getStatus().getPhase()))
        .filter(p -> kubelet.log(namespace, p.getMetadata().getName()).contains("step 50/300"))
        .findFirst();
  }

  /** The output of the Job's latest pod. */
  private String trainerLog(String jobName) {
    List<Pod> pods = trainerPods(jobName);
    if (pods.isEmpty()) {
      return "(no pod)";
    }
    String name = pods.getLast().getMetadata().getName();
    // A retry's pod is in the API before the kubelet stand-in has admitted it.
    return kubelet.admitted(namespace, name)
        ? kubelet.log(namespace, name)
        : "(pod " + name + " not started yet)";
  }

  /** The ready serving pods of a base model: pod name to its address (pod IP and port). */
  private Map<String, URI> servers(String baseModel) {
    Map<String, URI> result = new TreeMap<>();
    for (Pod pod :
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(BaseModelResources.BASE_MODEL, baseModel)
            .list()
            .getItems()) {
      boolean ready =
          pod.getMetadata().getDeletionTimestamp() == null
              && pod.getStatus().getConditions().stream()
                  .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
      if (ready) {
        result.put(
            pod.getMetadata().getName(),
            URI.create("http://" + pod.getStatus().getPodIP() + ":" + config.servingPort()));
      }
    }
    return result;
  }

  @Test
  void trainsServesFollowsReplacementsSwapsVersionsAndUnloads() throws Exception {
    var images = OperatorImages.of(config);
    ProcessRuntime runtime = new ProcessRuntime(images);
    kubelet =
        Kubelet.start(
            client,
            workDir.resolve("kubelet"),
            OperatorImages.runnable(images),
            pod -> namespace.equals(pod.getMetadata().getNamespace()) ? runtime : null);
    Secret credentials = example("00-credentials.yaml", Secret.class, Map.of());
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            objectStore.credentialsSecret(
                namespace, credentials.getMetadata().getName(), objectStore.endpoint()))
        .create();
    BaseModel base = example("01-basemodel.yaml", BaseModel.class, Map.of());
    base.getMetadata().setNamespace(namespace);
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
                    .inNamespace(namespace)
                    .withName(base.getMetadata().getName())
                    .get()
                    .isReady());
    // The kill follows the trainer's first checkpoint (it logs the step after the checkpoint is
    // complete): watched in the pod's own log, which is cheap to poll, and not through the
    // operator's status, which may lag on a busy machine while the run goes on.
    trainingRun("reverse-words", 7);
    await()
        .atMost(TRAINING)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> trainerPastFirstCheckpoint().isPresent());
    Pod first = trainerPastFirstCheckpoint().orElseThrow();
    String jobName = first.getMetadata().getLabels().get(JOB_NAME_LABEL);
    // The trainer's process dies (SIGKILL, as on an OOM kill): the pod fails with exit code 137
    // and the real Job controller starts a replacement, which resumes from the checkpoint.
    kubelet.crash(namespace, first.getMetadata().getName());
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
                    .as("phase; trainer log:\n%s", trainerLog(jobName))
                    .isEqualTo(FineTuneJobPhase.Succeeded));
    List<Pod> trainers = trainerPods(jobName);
    assertThat(trainers).hasSize(2);
    assertThat(
            trainers
                .getFirst()
                .getStatus()
                .getContainerStatuses()
                .getFirst()
                .getState()
                .getTerminated()
                .getExitCode())
        .isEqualTo(137);
    assertThat(trainers.getLast().getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(trainerLog(jobName))
        .as("the replacement pod resumed mid-run")
        .containsPattern("resuming from \\S+/checkpoints/step-(50|100|150|200|250) ")
        .contains("step 300/300");
    String v1 = fineTuneJob("reverse-words").getStatus().output().digest();

    // Deployed on both serving pods, answering through the OpenAI API behind the Service.
    ServingPodClient serving = new ServingPodClient(adminToken());
    awaitServedEverywhere("reverse-words", v1, 2);
    try (ServiceProxy service =
        // The pool's public Service now selects the router pods; this checks the serving pods
        // themselves, behind the headless Service.
        ServiceProxy.start(client, namespace, RouterResources.podsServiceName(base), "http")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> service.readyEndpoints().size() == 2);
      URI serviceUri = service.uri("/");
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        answers.add(serving.complete(serviceUri, "reverse-words", "abc="));
        assertThat(serving.complete(serviceUri, "smollm2-135m", "abc=")).isNotNull();
      }
      assertThat(service.forwarded().keySet())
          .as("the Service spread the connections over both pods")
          .containsExactlyInAnyOrderElementsOf(service.readyEndpoints());
      assertThat(answers.stream().distinct())
          .as("the same adapter version answers alike on every pod: %s", answers)
          .hasSize(1);
    }

    // A lost serving pod (deleted: SIGTERM, then the ReplicaSet replaces it): its replacement gets
    // the adapter without any change to the CRs.
    String lost = servers("smollm2-135m").keySet().iterator().next();
    client.pods().inNamespace(namespace).withName(lost).delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> client.pods().inNamespace(namespace).withName(lost).get() == null);
    awaitServedEverywhere("reverse-words", v1, 2);
    assertThat(servers("smollm2-135m")).doesNotContainKey(lost);

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
    for (URI pod : servers("smollm2-135m").values()) {
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
              Map<String, URI> servers = servers("smollm2-135m");
              assertThat(servers).hasSize(replicas);
              for (URI pod : servers.values()) {
                assertThat(serving.loaded(pod)).containsEntry(name, digest);
              }
            });
  }

  private void assertNoSecretAnywhere() throws IOException {
    assertThat(operatorLog.lines()).noneMatch(l -> l.contains(EmbeddedObjectStore.SECRET_KEY));
    try (Stream<Path> files = Files.walk(workDir)) {
      for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
        assertThat(Files.readString(log))
            .as("pod output %s", log)
            .doesNotContain(EmbeddedObjectStore.SECRET_KEY);
      }
    }
    for (FineTuneJob job :
        client.resources(FineTuneJob.class).inNamespace(namespace).list().getItems()) {
      assertThat(Serialization.asJson(job.getStatus()))
          .doesNotContain(EmbeddedObjectStore.SECRET_KEY);
    }
    assertThat(Serialization.asJson(client.v1().events().inNamespace(namespace).list().getItems()))
        .doesNotContain(EmbeddedObjectStore.SECRET_KEY);
  }
}
