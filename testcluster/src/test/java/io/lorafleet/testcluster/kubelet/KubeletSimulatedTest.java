package io.lorafleet.testcluster.kubelet;

import static io.lorafleet.testcluster.kubelet.Cluster.admin;
import static io.lorafleet.testcluster.kubelet.Cluster.awaitPod;
import static io.lorafleet.testcluster.kubelet.Cluster.awaitTrue;
import static io.lorafleet.testcluster.kubelet.Cluster.namespace;
import static io.lorafleet.testcluster.kubelet.Cluster.ready;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stand-in's node, scheduling, pod status, probes and Service round-robin with simulated
 * containers, against the real control plane (scheduler, ReplicaSet, Job and endpointslice
 * controllers).
 */
class KubeletSimulatedTest {
  /**
   * Pods ("ns/name") whose endpoint answers /ready with 503. Pods labelled runtime=exit-N end by
   * themselves with code N; runtime=http serve the test's endpoint ({@link #answer}).
   */
  private static final Set<String> NOT_READY = ConcurrentHashMap.newKeySet();

  /** Pods whose endpoint answers /live with 500. */
  private static final Set<String> NOT_LIVE = ConcurrentHashMap.newKeySet();

  static Kubelet kubelet;

  /** The registry the kubelet pulls from: the image every pod here names, and what tests push. */
  static final ImageRegistry REGISTRY = ImageRegistry.of("example/web");

  /** The namespaces of this class: the kubelet runs their pods only. */
  private static final Set<String> OWN = ConcurrentHashMap.newKeySet();

  private static String own(String prefix, boolean restricted) {
    String ns = namespace(prefix, restricted);
    OWN.add(ns);
    return ns;
  }

  @BeforeAll
  static void start() throws IOException {
    Path dir = Files.createTempDirectory("kubelet-sim");
    SimulatedRuntime http =
        SimulatedRuntime.serving(SimulatedRuntime.http(KubeletSimulatedTest::answer));
    kubelet =
        Kubelet.start(
            admin(),
            dir,
            REGISTRY,
            pod -> {
              if (!OWN.contains(pod.getMetadata().getNamespace())) {
                return null;
              }
              String runtime = pod.getMetadata().getLabels().getOrDefault("runtime", "");
              if (runtime.equals("http")) {
                return http;
              }
              if (runtime.startsWith("exit-")) {
                return SimulatedRuntime.exiting(
                    Integer.parseInt(runtime.substring(5)), Duration.ofMillis(500));
              }
              return SimulatedRuntime.running();
            });
  }

  @AfterAll
  static void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  /** The pod's name from /, its readiness from /ready and liveness from /live. */
  private static void answer(HttpExchange exchange) throws IOException {
    String host = exchange.getLocalAddress().getAddress().getHostAddress();
    String pod =
        kubelet.podIPs().entrySet().stream()
            .filter(e -> host.equals(e.getValue()))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElse("?");
    String path = exchange.getRequestURI().getPath();
    int status = 200;
    if (path.equals("/ready") && NOT_READY.contains(pod)) {
      status = 503;
    }
    if (path.equals("/live") && NOT_LIVE.contains(pod)) {
      status = 500;
    }
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    byte[] body = pod.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @Test
  void registersAReadyUntaintedNodeWithCapacity() {
    Node node = admin().nodes().withName(kubelet.nodeName()).get();
    assertThat(node.getStatus().getConditions())
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    assertThat(node.getStatus().getAllocatable())
        .containsKeys("cpu", "memory", "pods", "nvidia.com/gpu");
    assertThat(node.getSpec().getTaints()).isNullOrEmpty();
  }

  @Test
  void schedulerBindsDeploymentPodsWhichRunReadyOnTheirOwnAddress() {
    String ns = own("sim", true);
    admin().apps().deployments().inNamespace(ns).resource(deployment("web", 3, "")).create();
    awaitTrue(
        "3 ready pods",
        Duration.ofSeconds(60),
        () ->
            admin().pods().inNamespace(ns).list().getItems().stream().filter(Cluster::ready).count()
                == 3);
    List<Pod> pods = admin().pods().inNamespace(ns).list().getItems();
    assertThat(pods)
        .allSatisfy(
            p -> {
              assertThat(p.getSpec().getNodeName()).isEqualTo(kubelet.nodeName());
              assertThat(p.getStatus().getPhase()).isEqualTo("Running");
              assertThat(p.getStatus().getPodIP()).startsWith("127.").isNotEqualTo("127.0.0.1");
              assertThat(p.getStatus().getContainerStatuses().getFirst().getState().getRunning())
                  .isNotNull();
            });
    assertThat(pods.stream().map(p -> p.getStatus().getPodIP()).distinct()).hasSize(3);
    assertThat(kubelet.admitted(ns, pods.getFirst().getMetadata().getName())).isTrue();
    assertThat(kubelet.admitted(ns, "web-not-scheduled")).isFalse();
    awaitTrue(
        "the Deployment reports 3 available replicas",
        Duration.ofSeconds(30),
        () ->
            Integer.valueOf(3)
                .equals(
                    admin()
                        .apps()
                        .deployments()
                        .inNamespace(ns)
                        .withName("web")
                        .get()
                        .getStatus()
                        .getAvailableReplicas()));
  }

  @Test
  void jobPodsEndSucceededOrFailedAndTheJobControllerSeesIt() {
    String ns = own("jobs", false);
    admin().batch().v1().jobs().inNamespace(ns).resource(job("ok", "exit-0")).create();
    admin().batch().v1().jobs().inNamespace(ns).resource(job("bad", "exit-3")).create();
    awaitTrue(
        "job ok Complete, job bad Failed",
        Duration.ofSeconds(60),
        () -> hasCondition(ns, "ok", "Complete") && hasCondition(ns, "bad", "Failed"));
    Pod failed =
        admin().pods().inNamespace(ns).withLabel("job-name", "bad").list().getItems().getFirst();
    assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
    assertThat(
            failed
                .getStatus()
                .getContainerStatuses()
                .getFirst()
                .getState()
                .getTerminated()
                .getExitCode())
        .isEqualTo(3);
  }

  /**
   * An image the registry lacks: ErrImagePull with the runtime's error, then ImagePullBackOff
   * naming the last error while the kubelet's 10 s back-off runs (no pull meanwhile), then, once
   * the image is pushed, pulled at the next attempt and run.
   */
  @Test
  void anImageTheRegistryLacksWaitsInErrImagePullThenImagePullBackOff() {
    String ns = own("pull", false);
    Pod typo = podWithImage("typo", "registry.example/web:typo", null);
    admin().pods().inNamespace(ns).resource(typo).create();
    Pod failed = awaitPod(ns, "typo", "ErrImagePull", p -> waiting(p, "ErrImagePull"));
    assertThat(failed.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(waitingMessage(failed))
        .isEqualTo(
            "rpc error: code = NotFound desc = failed to pull and unpack image"
                + " \"registry.example/web:typo\": failed to resolve reference"
                + " \"registry.example/web:typo\": registry.example/web:typo: not found");
    Pod backOff = awaitPod(ns, "typo", "ImagePullBackOff", p -> waiting(p, "ImagePullBackOff"));
    assertThat(waitingMessage(backOff))
        .startsWith("Back-off pulling image \"registry.example/web:typo\": ErrImagePull: ")
        .endsWith("registry.example/web:typo: not found");
    REGISTRY.push("registry.example/web:typo");
    awaitTrue(
        "running once the image is pushed, within the 10 s back-off",
        Duration.ofSeconds(30),
        () ->
            "Running".equals(Cluster.phase(admin().pods().inNamespace(ns).withName("typo").get())));
  }

  /** imagePullPolicy Never: only an image already on the node runs, even one the registry has. */
  @Test
  void pullPolicyNeverRunsOnlyAnImageAlreadyOnTheNode() {
    String ns = own("never", false);
    REGISTRY.push("example/never:1");
    admin()
        .pods()
        .inNamespace(ns)
        .resource(podWithImage("never", "example/never:1", "Never"))
        .create();
    Pod never = awaitPod(ns, "never", "ErrImageNeverPull", p -> waiting(p, "ErrImageNeverPull"));
    assertThat(waitingMessage(never))
        .isEqualTo("Container image \"example/never:1\" is not present with pull policy of Never");
    admin()
        .pods()
        .inNamespace(ns)
        .resource(podWithImage("pulls", "example/never:1", "IfNotPresent"))
        .create();
    awaitPod(ns, "pulls", "running", p -> "Running".equals(Cluster.phase(p)));
    awaitPod(
        ns,
        "never",
        "running once the image is on the node",
        p -> "Running".equals(Cluster.phase(p)));
  }

  private static Pod podWithImage(String name, String image, String pullPolicy) {
    Pod pod = pod(name, "", 1L);
    pod.getSpec().getContainers().getFirst().setImage(image);
    pod.getSpec().getContainers().getFirst().setImagePullPolicy(pullPolicy);
    return pod;
  }

  private static boolean waiting(Pod pod, String reason) {
    var statuses = pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses();
    return statuses != null
        && !statuses.isEmpty()
        && statuses.getFirst().getState().getWaiting() != null
        && reason.equals(statuses.getFirst().getState().getWaiting().getReason());
  }

  private static String waitingMessage(Pod pod) {
    return pod.getStatus().getContainerStatuses().getFirst().getState().getWaiting().getMessage();
  }

  @Test
  void deletedPodIsTerminatedAndRemoved() {
    String ns = own("delete", false);
    admin().pods().inNamespace(ns).resource(pod("p", "", 30L)).create();
    awaitPod(ns, "p", "running", Cluster::ready);
    admin().pods().inNamespace(ns).withName("p").delete();
    awaitTrue(
        "pod removed",
        Duration.ofSeconds(30),
        () -> admin().pods().inNamespace(ns).withName("p").get() == null);
  }

  @Test
  void readinessAndLivenessComeFromThePodsOwnProbes() {
    String ns = own("probes", false);
    String key = ns + "/p";
    NOT_READY.add(key);
    admin().pods().inNamespace(ns).resource(pod("p", "http", 30L)).create();
    Pod running = awaitPod(ns, "p", "running", p -> "Running".equals(Cluster.phase(p)));
    assertThat(ready(running)).as("not ready while /ready answers 503").isFalse();
    NOT_READY.remove(key);
    awaitPod(ns, "p", "ready once /ready answers 200", Cluster::ready);
    NOT_LIVE.add(key);
    Pod restarted =
        awaitPod(
            ns,
            "p",
            "restarted after /live failed",
            p -> p.getStatus().getContainerStatuses().getFirst().getRestartCount() >= 1);
    NOT_LIVE.remove(key);
    assertThat(
            restarted.getStatus().getContainerStatuses().getFirst().getLastState().getTerminated())
        .isNotNull();
  }

  @Test
  void serviceRoundRobinsNewConnectionsOverReadyEndpoints() throws Exception {
    String ns = own("svc", true);
    admin().apps().deployments().inNamespace(ns).resource(deployment("api", 2, "http")).create();
    admin()
        .services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("api")
                .endMetadata()
                .withNewSpec()
                .addToSelector("app", "api")
                .addNewPort()
                .withName("http")
                .withPort(80)
                .withNewTargetPort("http")
                .endPort()
                .endSpec()
                .build())
        .create();
    try (ServiceProxy proxy = ServiceProxy.start(admin(), ns, "api", "http")) {
      try {
        awaitTrue(
            "2 ready endpoints", Duration.ofSeconds(60), () -> proxy.readyEndpoints().size() == 2);
      } catch (AssertionError e) {
        throw new AssertionError(
            e.getMessage() + " pods: " + admin().pods().inNamespace(ns).list().getItems(), e);
      }
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        answers.add(get(proxy.uri("/")));
      }
      assertThat(answers.get(0)).isNotEqualTo(answers.get(1));
      assertThat(answers.get(2)).isEqualTo(answers.get(0));
      assertThat(answers.get(3)).isEqualTo(answers.get(1));
      // One pod turns NotReady (its own probe): the proxy stops sending it connections.
      String unready = answers.get(0);
      NOT_READY.add(unready);
      awaitTrue(
          "1 ready endpoint", Duration.ofSeconds(60), () -> proxy.readyEndpoints().size() == 1);
      for (int i = 0; i < 3; i++) {
        assertThat(get(proxy.uri("/"))).isEqualTo(answers.get(1));
      }
      NOT_READY.remove(unready);
    }
  }

  /** A GET on a new connection each time (the proxy balances connections). */
  private static String get(URI uri) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    }
  }

  private static boolean hasCondition(String ns, String job, String type) {
    Job found = admin().batch().v1().jobs().inNamespace(ns).withName(job).get();
    return found.getStatus() != null
        && found.getStatus().getConditions() != null
        && found.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals("True"));
  }

  private static io.fabric8.kubernetes.api.model.apps.Deployment deployment(
      String name, int replicas, String runtime) {
    Pod template = pod(name, runtime, 1L);
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withMetadata(template.getMetadata())
        .withSpec(template.getSpec())
        .endTemplate()
        .endSpec()
        .build();
  }

  private static Job job(String name, String runtime) {
    Pod template = pod(name, runtime, 1L);
    template.getSpec().setRestartPolicy("Never");
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withNewTemplate()
        .withMetadata(template.getMetadata())
        .withSpec(template.getSpec())
        .endTemplate()
        .endSpec()
        .build();
  }

  /** A pod that passes Pod Security "restricted", with /ready and /live probes on port "http". */
  private static Pod pod(String name, String runtime, long grace) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("app", name)
        .addToLabels("runtime", runtime)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(grace)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(10001L)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName("main")
        .withImage("example/web")
        .addNewPort()
        .withName("http")
        .withContainerPort(8080)
        .endPort()
        .withNewReadinessProbe()
        .withNewHttpGet()
        .withPath("/ready")
        .withNewPort("http")
        .endHttpGet()
        .withPeriodSeconds(1)
        .withFailureThreshold(1)
        .endReadinessProbe()
        .withNewLivenessProbe()
        .withNewHttpGet()
        .withPath("/live")
        .withNewPort("http")
        .endHttpGet()
        .withPeriodSeconds(1)
        .withFailureThreshold(2)
        .endLivenessProbe()
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .endSecurityContext()
        .endContainer()
        .endSpec()
        .build();
  }
}
