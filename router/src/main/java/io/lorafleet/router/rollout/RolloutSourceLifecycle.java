package io.lorafleet.router.rollout;

import io.lorafleet.router.config.RouterConfig;
import io.lorafleet.router.kube.ClusterAccess;
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
  private final ClusterAccess cluster;
  private LoraAdapterRolloutSource source;

  RolloutSourceLifecycle(RouterConfig config, RolloutSplits splits, ClusterAccess cluster) {
    this.cluster = cluster;
    this.config = config;
    this.splits = splits;
  }

  void start(@Observes StartupEvent e) {
    if (config.baseModelRef().isEmpty()) {
      LOG.info("lorafleet.router.base-model-ref is not set: canary traffic splits are off");
      return;
    }
    source =
        new LoraAdapterRolloutSource(
            cluster.client(), cluster.namespace(), config.baseModelRef().get(), splits);
    source.start();
  }

  void stop(@Observes ShutdownEvent e) {
    if (source != null) {
      source.close();
    }
  }
}
