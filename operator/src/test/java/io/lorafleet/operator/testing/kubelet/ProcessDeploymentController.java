package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lorafleet.operator.basemodel.BaseModelResources;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Deployment controller and kubelet for serving pools, running the real server image's
 * application as one child process per pod on its own loopback port. A Pod is published (ready, IP
 * 127.0.0.1, "http" port) once the process answers /health/ready, as a readiness probe would.
 */
public final class ProcessDeploymentController implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private final KubernetesClient client;
  private final Path workDir;
  private final SharedIndexInformer<Deployment> informer;
  private final Map<String, ServerPod> pods = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();

  /** A running server process and where it listens. */
  public record ServerPod(String name, int port, ContainerProcess process) {
    public URI uri(String path) {
      return URI.create("http://127.0.0.1:" + port + path);
    }
  }

  public ProcessDeploymentController(KubernetesClient client, Path workDir) {
    this.client = client;
    this.workDir = workDir;
    this.informer =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment deployment) {
                    Thread.ofVirtual().start(() -> reconcile(deployment));
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment after) {
                    Thread.ofVirtual().start(() -> reconcile(after));
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
    String name =
        deployment.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 5);
    try {
      int port = freePort();
      ContainerProcess process =
          ContainerProcess.start(
              client,
              namespace,
              deployment.getSpec().getTemplate().getSpec(),
              LocalImages.server(),
              workDir.resolve(namespace).resolve(name),
              args -> withPort(args, port));
      ServerPod pod = new ServerPod(name, port, process);
      try {
        awaitReady(pod);
      } catch (RuntimeException e) {
        process.kill(); // a pod that never became ready must not outlive the test
        throw e;
      }
      pods.put(namespace + "/" + name, pod);
      ReadyPod.create(client, deployment, name, port);
    } catch (IOException e) {
      throw new IllegalStateException("could not start a server pod for " + name, e);
    }
  }

  private static List<String> withPort(List<String> args, int port) {
    List<String> result = new ArrayList<>(args);
    int i = result.indexOf("--port");
    if (i < 0) {
      throw new IllegalArgumentException("the server's arguments name no --port: " + args);
    }
    result.set(i + 1, Integer.toString(port));
    return result;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void awaitReady(ServerPod pod) {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!pod.process().process().isAlive()) {
        throw new IllegalStateException(
            "server pod " + pod.name() + " exited:\n" + pod.process().logTail(40));
      }
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(pod.uri("/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException(
        "server pod "
            + pod.name()
            + " not ready in "
            + READY_TIMEOUT
            + ":\n"
            + pod.process().logTail(40));
  }

  /** The server pods of a base model, by pod name. */
  public Map<String, ServerPod> servers(String namespace, String baseModel) {
    Map<String, ServerPod> result = new TreeMap<>();
    client
        .pods()
        .inNamespace(namespace)
        .withLabel(BaseModelResources.BASE_MODEL, baseModel)
        .list()
        .getItems()
        .forEach(
            p -> {
              ServerPod pod = pods.get(namespace + "/" + p.getMetadata().getName());
              if (pod != null) {
                result.put(p.getMetadata().getName(), pod);
              }
            });
    return result;
  }

  /** A lost node: the process is killed, the Pod deleted, and a fresh empty pod replaces it. */
  public synchronized void replacePod(String namespace, String podName) {
    ServerPod pod = pods.remove(namespace + "/" + podName);
    pod.process().kill();
    client.pods().inNamespace(namespace).withName(podName).delete();
    String deploymentName = podName.substring(0, podName.lastIndexOf('-'));
    startPod(client.apps().deployments().inNamespace(namespace).withName(deploymentName).get());
  }

  @Override
  public void close() {
    informer.close();
    pods.values().forEach(p -> p.process().kill());
  }
}
