package io.lorafleet.router.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.lorafleet.router.config.RouterConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The router's one Kubernetes client and the pool's namespace, shared by the EndpointSlice pod
 * source and the rollout source (one connection pool, one kubeconfig read). Built on first use, so
 * a router with static pods and no rollouts never builds one; closed after the sources stopped.
 */
@ApplicationScoped
public class ClusterAccess {
  private final RouterConfig config;
  private KubernetesClient client;
  private String namespace;

  ClusterAccess(RouterConfig config) {
    this.config = config;
  }

  public synchronized KubernetesClient client() {
    if (client == null) {
      client = new KubernetesClientBuilder().build();
    }
    return client;
  }

  /** {@code lorafleet.router.namespace}, else the kubeconfig's (in a pod: the pod's own). */
  public synchronized String namespace() {
    if (namespace == null) {
      namespace = config.namespace().orElseGet(() -> client().getNamespace());
      if (namespace == null) {
        throw new IllegalArgumentException(
            "lorafleet.router.namespace is required outside a pod (no namespace in the kubeconfig)");
      }
    }
    return namespace;
  }

  @PreDestroy
  synchronized void close() {
    if (client != null) {
      client.close();
    }
  }
}
