package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.testing.kubelet.ReadyPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
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
    String baseModel = deployment.getMetadata().getLabels().get(BaseModelResources.BASE_MODEL);
    FakeServingPod server;
    try {
      server = new FakeServingPod(adminToken(namespace, baseModel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String name =
        deployment.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 5);
    servers.put(namespace + "/" + name, server);
    ReadyPod.create(client, deployment, name, server.port());
  }

  private String adminToken(String namespace, String baseModel) {
    Secret secret =
        client.secrets().inNamespace(namespace).withName("admin-token-" + baseModel).get();
    if (secret == null) {
      throw new IllegalStateException("the operator creates the admin token before the Deployment");
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY)),
        StandardCharsets.UTF_8);
  }

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
    servers.values().forEach(FakeServingPod::close);
  }
}
