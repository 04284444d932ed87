package io.lorafleet.router.rollout;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.router.kube.RecomputingInformer;
import org.jboss.logging.Logger;

/**
 * The rollout splits of the pool from the LoraAdapters of its namespace, watched with an informer
 * (as the EndpointSlices are). Every change recomputes all splits from the informer's cache, so a
 * missed or reordered event cannot leave a stale split behind.
 */
public final class LoraAdapterRolloutSource implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LoraAdapterRolloutSource.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String baseModelRef;
  private final RolloutSplits splits;
  private volatile SharedIndexInformer<LoraAdapter> informer;

  public LoraAdapterRolloutSource(
      KubernetesClient client, String namespace, String baseModelRef, RolloutSplits splits) {
    this.client = client;
    this.namespace = namespace;
    this.baseModelRef = baseModelRef;
    this.splits = splits;
  }

  public void start() {
    // built, then assigned, then run (see RecomputingInformer)
    informer = client.resources(LoraAdapter.class).inNamespace(namespace).runnableInformer(0);
    RecomputingInformer.run(informer, this::recompute);
    LOG.infof(
        "following the rollouts of the LoraAdapters of BaseModel %s/%s", namespace, baseModelRef);
  }

  private synchronized void recompute() {
    var next =
        SplitsFromAdapters.splits(informer.getStore().list(), baseModelRef, splits.current());
    if (!next.keySet().equals(splits.current().keySet())) {
      LOG.infof("traffic split for %s", next.keySet());
    }
    splits.set(next);
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
