package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.PodCapacity;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FakeServingPod;
import io.lorafleet.operator.testing.OperatorProcess;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.ports.LoopbackPorts;
import io.lorafleet.testcluster.kubelet.ContainerLaunch;
import io.lorafleet.testcluster.kubelet.Kubelet;
import io.lorafleet.testcluster.kubelet.SimulatedRuntime;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Acceptance of issue #13: the operator is killed while it places 50 LoraAdapters on 3 serving
 * pods, and a new one takes over. After the restart no adapter is loaded twice, none is left
 * orphaned on a pod, and each pod's capacity in the BaseModel's status is what the pod holds.
 *
 * <p>The operator really restarts: it is the packaged application (quarkus-run.jar, so this is an
 * IT that runs after {@code package}) in a child process, authenticated as the chart's
 * ServiceAccount on the real control plane with leader election on, killed with SIGKILL and started
 * again as a new process. An in-JVM restart (a second Quarkus app, or dropping the placement state)
 * could keep static state or skip the Lease hand-over; a new process keeps nothing but what is in
 * the cluster and on the pods. The serving pods are real pods of the real Deployment and ReplicaSet
 * controllers, bound by the real scheduler to testcluster's kubelet stand-in ({@link Kubelet},
 * simulated runtime: status, pod IP, the admin-token Secret mounted as the kubelet does, readiness
 * probe); each pod serves the admin API on its IP with {@link FakeServingPod}, which reads that
 * token file, records every load and answers GET /v1/adapters as the builtin server does. Loads
 * take 300 ms each so the kill lands mid-run. It replaces the mock-based test that only dropped the
 * operator's placement state in-process (Placements.forgetAllForTest, now removed).
 */
class OperatorRestartIT {
  private static final int ADAPTERS = 50;
  private static final int PODS = 3;

  private final KubernetesClient admin = RealCluster.get().admin();
  private final Map<String, FakeServingPod> pods = new ConcurrentHashMap<>();

  @Test
  void aKilledOperatorsSuccessorLoadsNothingTwiceAndLeavesNothingOrphaned() throws Exception {
    String namespace = RealCluster.get().restrictedNamespace("restart");
    // The fake pods bind it on their own IPs when the kubelet stand-in starts them, long after
    // this: drawn outside the ephemeral range, so no outgoing connection takes it meanwhile.
    int port = LoopbackPorts.next();
    Path logs = RealCluster.root().resolve("operator/target/operator-restart");
    Map<String, String> settings =
        Map.of("LORAFLEET_OPERATOR_SERVING_PORT", Integer.toString(port));
    SimulatedRuntime servingPods = SimulatedRuntime.serving(this::serve);
    SimulatedRuntime routerPods = SimulatedRuntime.running();
    try (EmbeddedObjectStore objectStore = EmbeddedObjectStore.start();
        Kubelet kubelet =
            Kubelet.start(
                admin,
                RealCluster.root().resolve("operator/target/operator-restart/kubelet"),
                OperatorImages.published(new TestOperatorConfig()),
                // Serving pods answer the admin API; the pool's router pods only run.
                pod ->
                    BaseModelResources.SERVER.equals(
                            pod.getMetadata().getLabels().get(BaseModelResources.COMPONENT))
                        ? servingPods
                        : routerPods)) {
      TestArtifacts.putTinyModel(objectStore.client(), "models", "tiny");
      admin
          .secrets()
          .inNamespace(namespace)
          .resource(objectStore.credentialsSecret(namespace, "s3", objectStore.endpoint()))
          .create();
      OperatorProcess first =
          OperatorProcess.start(logs.resolve("first.log"), as("first", settings));
      try {
        baseModel(namespace);
        await()
            .atMost(Duration.ofSeconds(120))
            .untilAsserted(() -> assertThat(pods).as("serving pods up").hasSize(PODS));
        for (int i = 0; i < ADAPTERS; i++) {
          PublishedVersion version =
              TestArtifacts.publishAdapter(
                  objectStore.client(), "s3://adapters/" + namespace + "/a" + i, 4, 100 + i);
          admin.resource(adapter(namespace, "a" + i, version.uri().toString())).create();
        }
        await()
            .pollInterval(Duration.ofMillis(20))
            .atMost(Duration.ofSeconds(180))
            .until(() -> allLoads().size() >= 10 || !first.isAlive());
        assertThat(first.isAlive())
            .as("the first operator still runs (see %s)", first.log())
            .isTrue();
        first.kill();
      } finally {
        first.close();
      }
      int loadsAtKill = allLoads().size();
      assertThat(loadsAtKill).as("killed mid-run").isBetween(10, ADAPTERS - 1);

      try (OperatorProcess second =
          OperatorProcess.start(logs.resolve("second.log"), as("second", settings))) {
        await()
            .atMost(Duration.ofSeconds(180))
            .untilAsserted(
                () ->
                    assertThat(admin.resources(LoraAdapter.class).inNamespace(namespace).list())
                        .satisfies(
                            list ->
                                assertThat(list.getItems())
                                    .hasSize(ADAPTERS)
                                    .allSatisfy(
                                        a ->
                                            assertThat(a.isReady())
                                                .as(a.getMetadata().getName())
                                                .isTrue())));
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(capacity(namespace)).isEqualTo(held()));
        // Settled: a few more seconds change nothing.
        Thread.sleep(3000);
        assertThat(second.isAlive()).isTrue();
      }
      Set<String> wanted =
          IntStream.range(0, ADAPTERS).mapToObj(i -> "a" + i).collect(Collectors.toSet());
      Map<String, Long> loadsPerAdapter =
          allLoads().stream()
              .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, counting()));
      assertThat(loadsPerAdapter.keySet()).isEqualTo(wanted);
      assertThat(loadsPerAdapter)
          .as("no adapter loaded twice (%d loads before the kill)", loadsAtKill)
          .allSatisfy((name, count) -> assertThat(count).as(name).isEqualTo(1L));
      Set<String> resident = new HashSet<>();
      pods.values().forEach(p -> resident.addAll(p.loaded().keySet()));
      assertThat(resident).as("every resident adapter is wanted: none orphaned").isEqualTo(wanted);
      assertThat(pods.values().stream().mapToInt(p -> p.loaded().size()).sum())
          .as("one replica each")
          .isEqualTo(ADAPTERS);
      assertThat(capacity(namespace)).as("capacity matches the pods").isEqualTo(held());
      admin.namespaces().withName(namespace).delete();
      pods.values().forEach(FakeServingPod::close);
    }
  }

  /** A pod's name is its leader-election identity: a new pod, a new identity. */
  private static Map<String, String> as(String pod, Map<String, String> settings) {
    Map<String, String> env = new java.util.HashMap<>(settings);
    env.put("HOSTNAME", "lorafleet-operator-" + pod);
    return env;
  }

  private static java.util.stream.Collector<String, ?, Long> counting() {
    return Collectors.counting();
  }

  /**
   * The admin API of one pod on its IP and serving port, reading the admin token from the Secret
   * file the kubelet stand-in mounted for the pod.
   */
  private AutoCloseable serve(ContainerLaunch launch) throws java.io.IOException {
    int port = launch.container().getPorts().getFirst().getContainerPort();
    Path tokenFile =
        launch
            .paths()
            .local(BaseModelResources.ADMIN_TOKEN_DIR + "/" + BaseModelResources.ADMIN_TOKEN_KEY);
    FakeServingPod server =
        new FakeServingPod(new InetSocketAddress(launch.podIP(), port), tokenFile);
    server.slowLoads(Duration.ofMillis(300));
    pods.put(launch.podName(), server);
    return () -> {
      pods.remove(launch.podName());
      server.close();
    };
  }

  private List<String> allLoads() {
    return pods.values().stream().flatMap(p -> p.loads().stream()).toList();
  }

  /** Pod name to the number of adapters it holds. */
  private Map<String, Integer> held() {
    Map<String, Integer> held = new TreeMap<>();
    pods.forEach((name, pod) -> held.put(name, pod.loaded().size()));
    return held;
  }

  /** Pod name to slotsUsed, from the BaseModel's status. */
  private Map<String, Integer> capacity(String namespace) {
    BaseModel model =
        admin.resources(BaseModel.class).inNamespace(namespace).withName("base").get();
    Map<String, Integer> capacity = new TreeMap<>();
    if (model.getStatus() != null && model.getStatus().capacity() != null) {
      for (PodCapacity pod : model.getStatus().capacity()) {
        capacity.put(pod.pod(), pod.slotsUsed());
      }
    }
    return capacity;
  }

  private void baseModel(String namespace) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName("base").withNamespace(namespace).build());
    model.setSpec(
        new BaseModelSpec(
            new ArtifactSource("s3://models/tiny", new SecretReference("s3"), null),
            new ServingSpec(
                PODS,
                ServingRuntime.BUILTIN,
                null,
                null,
                null,
                null,
                new AdapterSlots(4, 32, 32))));
    admin.resource(model).create();
  }

  private static LoraAdapter adapter(String namespace, String name, String uri) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference("base"),
            new ArtifactSource(uri, new SecretReference("s3"), null),
            new Placement(new IntOrString(1), PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    return adapter;
  }
}
