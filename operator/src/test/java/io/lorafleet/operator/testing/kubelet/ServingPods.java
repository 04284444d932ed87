package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.testing.FakeServingPod;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.lorafleet.testcluster.kubelet.ContainerLaunch;
import io.lorafleet.testcluster.kubelet.ContainerRuntime;
import io.lorafleet.testcluster.kubelet.ImageRegistry;
import io.lorafleet.testcluster.kubelet.Kubelet;
import io.lorafleet.testcluster.kubelet.SimulatedRuntime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kubelet stand-in (simulated runtime) for the controller tests on the real control plane: the
 * serving pods the real Deployment and ReplicaSet controllers create, bound by the real scheduler,
 * get a pod IP, the admin-token Secret mounted as the kubelet mounts it, and a {@link
 * FakeServingPod} on their IP and port that reads that file; the kubelet runs the pod's own
 * readiness probe against it. Merge and trainer Job pods run in a {@link SimulatedJobRunner}; other
 * pods of the admitted namespaces only get a running status. Pods of namespaces not {@link #admit
 * admitted} (other test classes') are left Pending.
 */
public final class ServingPods implements AutoCloseable {
  private final Kubelet kubelet;
  private final KubernetesClient admin;
  private final Set<String> namespaces = ConcurrentHashMap.newKeySet();
  private final Map<String, FakeServingPod> servers = new ConcurrentHashMap<>();

  /** The operator's images (the defaults), and what tests push ({@link #images}). */
  private final ImageRegistry registry = OperatorImages.published(new TestOperatorConfig());

  /** Pods of these images run in the given runtime ({@link #run}). */
  private final Map<String, ContainerRuntime> byImage = new ConcurrentHashMap<>();

  private ServingPods(KubernetesClient admin, Path workDir, SimulatedJobRunner jobs)
      throws IOException {
    this.admin = admin;
    ContainerRuntime serving = SimulatedRuntime.serving(this::serve);
    ContainerRuntime other = SimulatedRuntime.running();
    this.kubelet =
        Kubelet.start(
            admin,
            workDir,
            registry,
            pod -> {
              if (!namespaces.contains(pod.getMetadata().getNamespace())) {
                return null;
              }
              ContainerRuntime own =
                  byImage.get(pod.getSpec().getContainers().getFirst().getImage());
              if (own != null) {
                return own;
              }
              if (SimulatedJobRunner.runs(pod)) {
                return jobs;
              }
              return BaseModelResources.SERVER.equals(
                      pod.getMetadata().getLabels().get(BaseModelResources.COMPONENT))
                  ? serving
                  : other;
            });
  }

  /**
   * Starts a kubelet stand-in; {@code admin} must be allowed what a kubelet does. Merge and trainer
   * Job pods run in {@code jobs}.
   */
  public static ServingPods start(KubernetesClient admin, Path workDir, SimulatedJobRunner jobs)
      throws IOException {
    return new ServingPods(admin, workDir, jobs);
  }

  /** The registry the node pulls from: a test pushes the images of pods it makes itself. */
  public ImageRegistry images() {
    return registry;
  }

  /**
   * Pushes {@code image} and runs the pods naming it in {@code runtime} (say a {@link
   * io.lorafleet.testcluster.kubelet.ProcessRuntime}, for a pod that must be a real process).
   */
  public void run(String image, ContainerRuntime runtime) {
    registry.push(image);
    byImage.put(image, runtime);
  }

  /** Runs the pods of {@code namespace} from now on. */
  public void admit(String namespace) {
    namespaces.add(namespace);
  }

  /**
   * Closes the fake servers of the namespace's pods: loads they hang on are answered (the
   * connection closes), so a test's hung pods do not hold the operator's load workers into the next
   * test. The pods' containers keep their status; their probes fail from then on.
   */
  public void release(String namespace) {
    servers.forEach(
        (key, server) -> {
          if (key.startsWith(namespace + "/")) {
            server.close();
          }
        });
  }

  private AutoCloseable serve(ContainerLaunch launch) throws IOException {
    int port = launch.container().getPorts().getFirst().getContainerPort();
    // vLLM pods mount no admin token: their admin API is unauthenticated.
    Path tokenFile =
        launch
            .paths()
            .local(BaseModelResources.ADMIN_TOKEN_DIR + "/" + BaseModelResources.ADMIN_TOKEN_KEY);
    FakeServingPod server =
        new FakeServingPod(new InetSocketAddress(launch.podIP(), port), tokenFile);
    String key = launch.namespace() + "/" + launch.podName();
    servers.put(key, server);
    return () -> {
      servers.remove(key, server);
      server.close();
    };
  }

  /** The running fake servers of a base model's pods, by pod name. */
  public Map<String, FakeServingPod> servers(String namespace, String baseModel) {
    Map<String, FakeServingPod> result = new TreeMap<>();
    for (Pod pod :
        admin
            .pods()
            .inNamespace(namespace)
            .withLabel(BaseModelResources.BASE_MODEL, baseModel)
            .list()
            .getItems()) {
      FakeServingPod server = servers.get(namespace + "/" + pod.getMetadata().getName());
      if (server != null) {
        result.put(pod.getMetadata().getName(), server);
      }
    }
    return result;
  }

  /**
   * What a crashed node does: the pod is deleted at once (grace period 0) and its server is gone;
   * the ReplicaSet controller creates a new pod, which starts empty. Returns the new pod's name.
   */
  public String replacePod(String namespace, String podName) {
    Pod pod = admin.pods().inNamespace(namespace).withName(podName).get();
    String baseModel = pod.getMetadata().getLabels().get(BaseModelResources.BASE_MODEL);
    Set<String> before = servers(namespace, baseModel).keySet();
    int count = before.size();
    admin.pods().inNamespace(namespace).withName(podName).withGracePeriod(0).delete();
    String[] replacement = new String[1];
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .until(
            () -> {
              Map<String, FakeServingPod> now = servers(namespace, baseModel);
              var added = new java.util.TreeSet<>(now.keySet());
              added.removeAll(before);
              if (now.size() == count && !now.containsKey(podName) && added.size() == 1) {
                replacement[0] = added.first();
                return true;
              }
              return false;
            });
    return replacement[0];
  }

  /** Every request body any fake server of a running pod received. */
  public java.util.List<String> allRequestBodies() {
    return servers.values().stream().flatMap(s -> s.requestBodies().stream()).toList();
  }

  public Kubelet kubelet() {
    return kubelet;
  }

  @Override
  public void close() {
    kubelet.close();
    servers.values().forEach(FakeServingPod::close);
  }
}
