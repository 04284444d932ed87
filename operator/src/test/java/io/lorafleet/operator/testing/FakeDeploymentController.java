package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.testing.kubelet.PodFilesystem;
import io.lorafleet.operator.testing.kubelet.ReadyPod;
import io.lorafleet.operator.testing.kubelet.SecretValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for the Deployment controller and the kubelet, which the mock API server does not run.
 * Every Deployment becomes ready; serving Deployments get ready Pods whose IP and http port point
 * at a {@link FakeServingPod} on loopback.
 */
public final class FakeDeploymentController implements AutoCloseable {
  private final KubernetesClient client;
  private final SharedIndexInformer<Deployment> informer;
  private final Map<String, FakeServingPod> servers = new ConcurrentHashMap<>();
  private final Map<String, PodFiles> filesystems = new ConcurrentHashMap<>();
  private final SharedIndexInformer<Secret> secrets;

  public FakeDeploymentController(KubernetesClient client) {
    this.client = client;
    this.informer =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment deployment) {
                    reconcile(deployment);
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment after) {
                    reconcile(after);
                  }

                  @Override
                  public void onDelete(Deployment deployment, boolean unknown) {}
                });
    this.secrets =
        client
            .secrets()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Secret secret) {
                    refresh(secret);
                  }

                  @Override
                  public void onUpdate(Secret before, Secret after) {
                    refresh(after);
                  }

                  @Override
                  public void onDelete(Secret secret, boolean unknown) {}
                });
  }

  private synchronized void reconcile(Deployment deployment) {
    if (BaseModelResources.SERVER.equals(
        deployment.getMetadata().getLabels().get(BaseModelResources.COMPONENT))) {
      for (int i = ReadyPod.podsOf(client, deployment).size();
          i < deployment.getSpec().getReplicas();
          i++) {
        startPod(deployment);
      }
    }
    ReadyPod.markReady(client, deployment);
  }

  private void startPod(Deployment deployment) {
    String namespace = deployment.getMetadata().getNamespace();
    String name =
        deployment.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 5);
    FakeServingPod server;
    try {
      // The pod's admin-token volume as the kubelet projects it; the fake server reads the file.
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      Path root = Files.createTempDirectory("pod-" + name);
      PodFilesystem fs =
          PodFilesystem.materialize(client, namespace, pod, pod.getContainers().getFirst(), root);
      Path tokenDir = fs.local(BaseModelResources.ADMIN_TOKEN_DIR);
      // vLLM pods mount no token: their admin API is unauthenticated.
      server =
          new FakeServingPod(
              tokenDir == null ? null : tokenDir.resolve(BaseModelResources.ADMIN_TOKEN_KEY));
      filesystems.put(namespace + "/" + name, new PodFiles(pod, fs));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    servers.put(namespace + "/" + name, server);
    ReadyPod.create(client, deployment, name, server.port());
  }

  /**
   * What the kubelet does when a mounted Secret changes: it rewrites the files of every pod that
   * mounts it (within about a minute; here at once). A deleted Secret leaves the files as they
   * were.
   */
  private synchronized void refresh(Secret secret) {
    String namespace = secret.getMetadata().getNamespace();
    filesystems.forEach(
        (key, files) -> {
          if (!key.startsWith(namespace + "/")) {
            return;
          }
          for (var mount : files.pod().getContainers().getFirst().getVolumeMounts()) {
            var volume =
                files.pod().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName()))
                    .findFirst()
                    .orElseThrow();
            if (volume.getSecret() == null
                || !volume.getSecret().getSecretName().equals(secret.getMetadata().getName())) {
              continue;
            }
            try {
              for (var e : SecretValues.of(secret).entrySet()) {
                PodFilesystem.writeAsKubelet(
                    files.pod(),
                    files.pod().getContainers().getFirst(),
                    volume,
                    files.fs().local(mount.getMountPath()),
                    e.getKey(),
                    e.getValue());
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        });
  }

  private record PodFiles(PodSpec pod, PodFilesystem fs) {}

  /** The fake servers of a base model's pods, by pod name. */
  public Map<String, FakeServingPod> servers(String namespace, String baseModel) {
    Map<String, FakeServingPod> result = new java.util.TreeMap<>();
    for (Pod pod :
        client
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

  /** What a crashed node does: the pod and its server are gone, a new empty one replaces it. */
  public synchronized String replacePod(String namespace, String podName) {
    FakeServingPod server = servers.remove(namespace + "/" + podName);
    filesystems.remove(namespace + "/" + podName);
    server.close();
    Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
    client.pods().inNamespace(namespace).withName(podName).delete();
    String deploymentName = podName.substring(0, podName.lastIndexOf('-'));
    Deployment deployment =
        client.apps().deployments().inNamespace(namespace).withName(deploymentName).get();
    List<String> before =
        ReadyPod.podsOf(client, deployment).stream().map(p -> p.getMetadata().getName()).toList();
    startPod(deployment);
    List<String> after =
        new ArrayList<>(
            ReadyPod.podsOf(client, deployment).stream()
                .map(p -> p.getMetadata().getName())
                .toList());
    after.removeAll(before);
    return after.isEmpty() ? pod.getMetadata().getName() : after.getFirst();
  }

  /** Every request body any fake server received. */
  public List<String> allRequestBodies() {
    return servers.values().stream().flatMap(s -> s.requestBodies().stream()).toList();
  }

  @Override
  public void close() {
    informer.close();
    secrets.close();
    servers.values().forEach(FakeServingPod::close);
  }
}
