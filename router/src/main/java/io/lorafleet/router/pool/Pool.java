package io.lorafleet.router.pool;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.router.config.RouterConfig;
import io.lorafleet.router.http.LogText;
import io.lorafleet.router.kube.ClusterAccess;
import io.lorafleet.router.metrics.RouterMetrics;
import io.lorafleet.router.proxy.PoolToken;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * The pods of the pool and what each holds: the pod list from the {@link PodSource}, each pod's
 * state from its own long poll. Listeners hear of every change (a pod up or down, a new state), so
 * requests waiting for a slot are retried at once.
 */
@ApplicationScoped
public class Pool {
  private static final Logger LOG = Logger.getLogger(Pool.class);

  private final RouterConfig config;
  private final Vertx vertx;
  private final ObjectMapper json;
  private final PoolToken token;
  private final RouterMetrics metrics;
  private final ClusterAccess cluster;
  private final Map<String, Pod> pods = new ConcurrentHashMap<>();
  private final Map<String, PodStatePoller> pollers = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private HttpClient http;
  private PodSource source;

  Pool(
      RouterConfig config,
      Vertx vertx,
      ObjectMapper json,
      PoolToken token,
      RouterMetrics metrics,
      ClusterAccess cluster) {
    this.cluster = cluster;
    this.config = config;
    this.vertx = vertx;
    this.json = json;
    this.token = token;
    this.metrics = metrics;
  }

  void start(@Observes StartupEvent e) {
    http =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setMaxPoolSize(16));
    source =
        switch (config.podSource()) {
          case "static" -> new StaticPodSource(config.pods().orElse(List.of()));
          case "endpointslice" -> endpointSlices();
          default ->
              throw new IllegalArgumentException(
                  "lorafleet.router.pod-source must be static or endpointslice, got '"
                      + config.podSource()
                      + "'");
        };
    source.start(this::setPods);
  }

  private PodSource endpointSlices() {
    String service =
        config
            .service()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "lorafleet.router.service is required with pod-source endpointslice"));
    return new EndpointSliceSource(
        cluster.client(), cluster.namespace(), service, config.portName().orElse(null));
  }

  void stop(@Observes ShutdownEvent e) {
    pollers.values().forEach(PodStatePoller::stop);
    if (source != null) {
      source.close();
    }
  }

  /** Calls {@code r} (on any thread) whenever a pod comes, goes, or reports a new state. */
  public void onChange(Runnable r) {
    listeners.add(r);
  }

  public Collection<Pod> pods() {
    return pods.values();
  }

  /**
   * The pods requests may go to: the routable ones; when there are none, the ones that only went
   * silent (a last resort that may answer late, instead of refusing every request at once).
   */
  public List<Pod> usable() {
    List<Pod> routable = pods.values().stream().filter(Pod::routable).toList();
    return routable.isEmpty() ? pods.values().stream().filter(Pod::suspect).toList() : routable;
  }

  public Pod pod(String id) {
    return pods.get(id);
  }

  synchronized void setPods(Set<PodEndpoint> endpoints) {
    Set<String> ids = ConcurrentHashMap.newKeySet();
    for (PodEndpoint ep : endpoints) {
      ids.add(ep.id());
      if (!pods.containsKey(ep.id())) {
        Pod pod = new Pod(ep);
        pods.put(ep.id(), pod);
        metrics.trackPod(pod);
        PodStatePoller poller =
            new PodStatePoller(
                pod,
                vertx,
                http,
                json,
                token::authorization,
                config.stateWait(),
                config.stateGrace(),
                config.stateMinInterval(),
                this::changed);
        pollers.put(ep.id(), poller);
        poller.start();
        LOG.infof("pod %s joined the pool (%s)", LogText.of(ep.id()), LogText.of(ep.base()));
      }
    }
    for (String id : Set.copyOf(pods.keySet())) {
      if (!ids.contains(id)) {
        pollers.remove(id).stop();
        metrics.untrackPod(pods.remove(id));
        LOG.infof("pod %s left the pool", LogText.of(id));
      }
    }
    changed();
  }

  private void changed() {
    listeners.forEach(Runnable::run);
  }
}
