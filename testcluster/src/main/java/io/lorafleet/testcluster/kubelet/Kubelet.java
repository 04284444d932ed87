package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A kubelet stand-in for the real control plane ({@code ControlPlane}): it registers a Ready Node
 * (kept alive by a heartbeat), lets the real kube-scheduler bind pods to it, and runs each pod
 * bound to it through a {@link ContainerRuntime} chosen per pod: {@link SimulatedRuntime} for pods
 * that need only a status, {@link ProcessRuntime} for pods that must do real work as child
 * processes. Each pod gets its own address as its IP: a loopback one (127.R.x.y) by default, or one
 * from another {@link PodAddresses} source. See testcluster/README.md for what it emulates and what
 * it does not.
 *
 * <p>Pods are scheduled to any Ready node: run one kubelet at a time per control plane (start it in
 * a test class's set-up, {@link #close()} it after).
 */
public final class Kubelet implements AutoCloseable {
  /** What a node of ours offers: enough for any test pod, GPUs included. */
  public static final Map<String, String> CAPACITY =
      Map.of(
          "cpu", "64",
          "memory", "256Gi",
          "pods", "250",
          "ephemeral-storage", "500Gi",
          "nvidia.com/gpu", "8");

  /**
   * Chooses the runtime of a pod; null when the pod is not this kubelet's business (say, a pod of
   * another test's namespace that the scheduler bound here): it is left alone, Pending, as on a
   * node whose kubelet is down.
   */
  @FunctionalInterface
  public interface RuntimeSelector {
    ContainerRuntime runtimeFor(Pod pod);
  }

  private final KubernetesClient client;
  private final String nodeName;
  private final Path workDir;
  private final RuntimeSelector runtimes;
  private final ImagePuller images;
  private final PodAddresses addresses;
  private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
  private NodeRegistration node;
  private SharedIndexInformer<Pod> informer;

  private Kubelet(
      KubernetesClient client,
      String nodeName,
      Path workDir,
      ImageRegistry registry,
      RuntimeSelector runtimes,
      PodAddresses addresses) {
    this.client = client;
    this.nodeName = nodeName;
    this.workDir = workDir;
    this.images = new ImagePuller(registry);
    this.runtimes = runtimes;
    this.addresses = addresses;
  }

  /**
   * Registers a node and starts running the pods bound to it. {@code client} must be allowed what a
   * kubelet does (nodes, leases, pods and their status, Secrets, ConfigMaps, token requests): use
   * the control plane's admin client. {@code workDir} holds the pods' volumes, root file systems
   * and logs; it and its ancestors must be searchable by every user (pods run as non-root). Only
   * the images of {@code registry} can be pulled: a pod naming another waits in ErrImagePull.
   */
  public static Kubelet start(
      KubernetesClient client, Path workDir, ImageRegistry registry, RuntimeSelector runtimes)
      throws IOException {
    return start(client, workDir, registry, runtimes, PodAddresses.loopback());
  }

  /**
   * As {@link #start(KubernetesClient, Path, ImageRegistry, RuntimeSelector)}, the pods' IPs taken
   * from {@code addresses} (say {@link TestNetAddresses}, which the API server accepts in
   * EndpointSlices); the kubelet closes it at {@link #close()}.
   */
  public static Kubelet start(
      KubernetesClient client,
      Path workDir,
      ImageRegistry registry,
      RuntimeSelector runtimes,
      PodAddresses addresses)
      throws IOException {
    Files.createDirectories(workDir);
    FileOwnership.chmod(workDir, 0755);
    for (Path dir = workDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if ((FileOwnership.mode(dir) & 0001) == 0) {
        throw new IllegalArgumentException(
            dir
                + " is not searchable by other users (mode "
                + Integer.toOctalString(FileOwnership.mode(dir))
                + "): pods running as non-root could not reach their volumes under "
                + workDir);
      }
    }
    String name = "standin-" + UUID.randomUUID().toString().substring(0, 8);
    Kubelet kubelet = new Kubelet(client, name, workDir, registry, runtimes, addresses);
    kubelet.node = NodeRegistration.register(client, name, CAPACITY);
    // Child processes must not outlive the JVM when a test forgets close() or the JVM is stopped.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> kubelet.workers.values().forEach(PodWorker::stop), "kubelet-stop"));
    kubelet.informer =
        client.pods().inAnyNamespace().withField("spec.nodeName", name).inform(kubelet.handler());
    return kubelet;
  }

  /** A kubelet whose pods all run in {@code runtime}. */
  public static Kubelet startWith(
      KubernetesClient client, Path workDir, ImageRegistry registry, ContainerRuntime runtime)
      throws IOException {
    return start(client, workDir, registry, (RuntimeSelector) pod -> runtime);
  }

  private ResourceEventHandler<Pod> handler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        admit(pod);
      }

      @Override
      public void onUpdate(Pod before, Pod after) {
        PodWorker worker = workers.get(after.getMetadata().getUid());
        if (worker == null) {
          admit(after);
        } else {
          worker.update(after);
        }
      }

      @Override
      public void onDelete(Pod pod, boolean unknownFinalState) {
        PodWorker worker = workers.get(pod.getMetadata().getUid());
        if (worker != null) {
          worker.vanished();
        }
      }
    };
  }

  private synchronized void admit(Pod pod) {
    String uid = pod.getMetadata().getUid();
    if (workers.containsKey(uid) || isTerminal(pod)) {
      return;
    }
    Path podDir =
        workDir.resolve(
            pod.getMetadata().getNamespace() + "_" + pod.getMetadata().getName() + "_" + uid);
    ContainerRuntime runtime = runtimes.runtimeFor(pod);
    if (runtime == null) {
      return;
    }
    PodWorker worker = new PodWorker(client, runtime, images, pod, podDir, addresses::next);
    workers.put(uid, worker);
    Thread.ofVirtual().name("pod-" + pod.getMetadata().getName()).start(worker);
  }

  private static boolean isTerminal(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  public String nodeName() {
    return nodeName;
  }

  private PodWorker worker(String namespace, String podName) {
    return latest(namespace, podName)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no pod " + namespace + "/" + podName + " on " + nodeName));
  }

  /**
   * The latest admitted pod of that name (a pod recreated under the same name is admitted anew).
   */
  private Optional<PodWorker> latest(String namespace, String podName) {
    return workers.values().stream()
        .filter(
            worker ->
                worker.pod().getMetadata().getNamespace().equals(namespace)
                    && worker.pod().getMetadata().getName().equals(podName))
        .max(Comparator.comparingLong(PodWorker::admitted));
  }

  /** Whether this node has admitted the pod (the API server may know it a moment earlier). */
  public boolean admitted(String namespace, String podName) {
    return latest(namespace, podName).isPresent();
  }

  /** The pod's IP, null before it was given one. */
  public String podIP(String namespace, String podName) {
    return worker(namespace, podName).podIP();
  }

  /** The output of the pod's container, current or last run (as {@code kubectl logs}). */
  public String log(String namespace, String podName) {
    return worker(namespace, podName).log();
  }

  /** The pod's container dies at once (SIGKILL, exit code 137), as on an OOM kill. */
  public void crash(String namespace, String podName) {
    worker(namespace, podName).crash();
  }

  /** The pods this kubelet runs or ran, by namespace/name. */
  public Map<String, String> podIPs() {
    Map<String, String> result = new LinkedHashMap<>();
    workers
        .values()
        .forEach(
            w ->
                result.put(
                    w.pod().getMetadata().getNamespace() + "/" + w.pod().getMetadata().getName(),
                    w.podIP()));
    return result;
  }

  /** Stops every pod (SIGKILL, no status written) and removes the Node and its Lease. */
  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    workers.values().forEach(PodWorker::stop);
    if (node != null) {
      node.close();
    }
    addresses.close();
  }
}
