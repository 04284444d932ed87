package io.lorafleet.router.rollout;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.lorafleet.router.config.RouterConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Starts the LoraAdapter rollout source when the router knows its BaseModel ({@code
 * lorafleet.router.base-model-ref}); without it no traffic is ever split.
 */
@ApplicationScoped
public class RolloutSourceLifecycle {
  private static final Logger LOG = Logger.getLogger(RolloutSourceLifecycle.class);

  private final RouterConfig config;
  private final RolloutSplits splits;
  private KubernetesClient client;
  private LoraAdapterRolloutSource source;

  RolloutSourceLifecycle(RouterConfig config, RolloutSplits splits) {
    this.config = config;
    this.splits = splits;
  }

  void start(@Observes StartupEvent e) {
    if (config.baseModelRef().isEmpty()) {
      LOG.info("lorafleet.router.base-model-ref is not set: canary traffic splits are off");
      return;
    }
    client = new KubernetesClientBuilder().build();
    String namespace = config.namespace().orElse(client.getNamespace());
    if (namespace == null) {
      throw new IllegalArgumentException(
          "lorafleet.router.namespace is required outside a pod (no namespace in the kubeconfig)");
    }
    source = new LoraAdapterRolloutSource(client, namespace, config.baseModelRef().get(), splits);
    source.start();
  }

  void stop(@Observes ShutdownEvent e) {
    if (source != null) {
      source.close();
    }
    if (client != null) {
      client.close();
    }
  }
}
