package io.lorafleet.router.pool;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lorafleet.router.kube.RecomputingInformer;
import java.net.URI;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The pool's pods from the EndpointSlices of its (headless) Service, watched with an informer: the
 * ready addresses on the serving port. Every change recomputes the whole set from the informer's
 * cache, so a missed or reordered event cannot leave a stale pod behind.
 */
public final class EndpointSliceSource implements PodSource {
  private static final Logger LOG = Logger.getLogger(EndpointSliceSource.class);
  static final String SERVICE_LABEL = "kubernetes.io/service-name";

  private final KubernetesClient client;
  private final String namespace;
  private final String service;
  private final String portName;
  private volatile SharedIndexInformer<EndpointSlice> informer;

  /** {@code portName}: the Service port to use; null for the slice's first port. */
  public EndpointSliceSource(
      KubernetesClient client, String namespace, String service, String portName) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.portName = portName;
  }

  @Override
  public void start(Consumer<Set<PodEndpoint>> onChange) {
    // built, then assigned, then run (see RecomputingInformer)
    informer =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(namespace)
            .withLabel(SERVICE_LABEL, service)
            .runnableInformer(0);
    RecomputingInformer.run(informer, () -> onChange.accept(endpoints()));
    LOG.infof("following the EndpointSlices of Service %s/%s", namespace, service);
  }

  /** Ready endpoints of every slice of the Service, as pod URLs. */
  Set<PodEndpoint> endpoints() {
    Set<PodEndpoint> out = new HashSet<>();
    for (EndpointSlice slice : informer.getStore().list()) {
      Integer port = port(slice);
      if (port == null
          || !"IPv4".equals(slice.getAddressType()) && !"IPv6".equals(slice.getAddressType())) {
        continue;
      }
      for (Endpoint e : slice.getEndpoints()) {
        // ready unset means ready (discovery.k8s.io/v1); a terminating endpoint takes no new
        // requests even when whoever wrote the slice left ready unset (the API allows it)
        var c = e.getConditions();
        boolean ready =
            c == null
                || (!Boolean.TRUE.equals(c.getTerminating())
                    && (c.getReady() == null || c.getReady()));
        if (!ready || e.getAddresses() == null || e.getAddresses().isEmpty()) {
          continue;
        }
        String address = e.getAddresses().get(0);
        String host = address.contains(":") ? "[" + address + "]" : address;
        out.add(new PodEndpoint(host + ":" + port, URI.create("http://" + host + ":" + port)));
      }
    }
    return Set.copyOf(out);
  }

  private Integer port(EndpointSlice slice) {
    if (slice.getPorts() == null) {
      return null;
    }
    for (EndpointPort p : slice.getPorts()) {
      if (portName == null || portName.equals(p.getName())) {
        return p.getPort();
      }
    }
    return null;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
