package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A kube-proxy stand-in for one port of one Service: it listens on a loopback address of its own
 * (the Service's "cluster IP" here) at the Service's port, and forwards each new TCP connection to
 * the next ready endpoint of the Service, round-robin. With no ready endpoint a connection is
 * closed at once (kube-proxy rejects it). Connections are balanced, not requests: a client that
 * keeps a connection alive stays on one pod, as through kube-proxy.
 *
 * <p>The endpoints are computed here from the Service's selector and the pods' readiness, as the
 * endpointslice controller computes them: the real controller runs but cannot publish our pod IPs,
 * since the API server refuses loopback addresses in an EndpointSlice ("may not be in the loopback
 * range").
 */
public final class ServiceProxy implements AutoCloseable {
  private final String serviceName;
  private final ServicePort port;
  private final SharedIndexInformer<Pod> pods;
  private final ServerSocket listener;
  private final AtomicLong next = new AtomicLong();
  private final Map<InetSocketAddress, Long> forwarded =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Socket> open = new ArrayList<>();
  private volatile boolean closed;

  private ServiceProxy(
      String serviceName, ServicePort port, SharedIndexInformer<Pod> pods, ServerSocket listener) {
    this.serviceName = serviceName;
    this.port = port;
    this.pods = pods;
    this.listener = listener;
  }

  /** Proxies the Service's port named {@code portName} (null: its only port). */
  public static ServiceProxy start(
      KubernetesClient client, String namespace, String service, String portName)
      throws IOException {
    Service found = client.services().inNamespace(namespace).withName(service).get();
    if (found == null) {
      throw new IllegalArgumentException("no Service " + namespace + "/" + service);
    }
    List<ServicePort> ports = found.getSpec().getPorts();
    ServicePort port =
        portName == null && ports.size() == 1
            ? ports.getFirst()
            : ports.stream()
                .filter(p -> p.getName() != null && p.getName().equals(portName))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "Service " + service + " has no port named " + portName));
    Map<String, String> selector = found.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      throw new IllegalArgumentException("Service " + service + " has no selector");
    }
    SharedIndexInformer<Pod> pods =
        client.pods().inNamespace(namespace).withLabels(selector).inform();
    ServerSocket listener = new ServerSocket();
    listener.bind(
        new InetSocketAddress(InetAddress.getByName(LoopbackAddresses.next()), port.getPort()), 64);
    ServiceProxy proxy = new ServiceProxy(service, port, pods, listener);
    Thread.ofVirtual().name("service-" + service).start(proxy::accept);
    return proxy;
  }

  /** Where clients connect: the Service's address and port. */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  /** An http URI of the Service. */
  public URI uri(String path) {
    return URI.create(
        "http://" + address().getAddress().getHostAddress() + ":" + address().getPort() + path);
  }

  /**
   * The ready endpoints (pod IP and target port) now, in the order round-robin walks them: the pods
   * the Service selects that are Ready, not terminating and have an IP, with the targetPort
   * resolved by name in their container ports, as the endpointslice controller computes them.
   */
  public List<InetSocketAddress> readyEndpoints() {
    List<InetSocketAddress> result = new ArrayList<>();
    List<Pod> pods = new ArrayList<>(this.pods.getStore().list());
    pods.sort(Comparator.comparing(p -> p.getMetadata().getName()));
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null
          || pod.getStatus() == null
          || pod.getStatus().getPodIP() == null
          || !ready(pod)) {
        continue;
      }
      Integer target = targetPort(pod);
      if (target != null) {
        result.add(new InetSocketAddress(pod.getStatus().getPodIP(), target));
      }
    }
    return result;
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private Integer targetPort(Pod pod) {
    IntOrString target = port.getTargetPort();
    if (target == null) {
      return port.getPort();
    }
    if (target.getIntVal() != null) {
      return target.getIntVal();
    }
    for (Container container : pod.getSpec().getContainers()) {
      for (ContainerPort declared : container.getPorts()) {
        if (target.getStrVal().equals(declared.getName())) {
          return declared.getContainerPort();
        }
      }
    }
    return null; // as the controller: a pod without the named port is no endpoint of it
  }

  /** How many connections went to each endpoint so far. */
  public Map<InetSocketAddress, Long> forwarded() {
    return Map.copyOf(forwarded);
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread.ofVirtual().start(() -> forward(client));
    }
  }

  private void forward(Socket client) {
    List<InetSocketAddress> ready = readyEndpoints();
    if (ready.isEmpty()) {
      closeQuietly(client);
      return;
    }
    InetSocketAddress target = ready.get((int) (next.getAndIncrement() % ready.size()));
    Socket backend = new Socket();
    try {
      backend.connect(target, 5000);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(backend);
      return;
    }
    forwarded.merge(target, 1L, Long::sum);
    synchronized (open) {
      open.add(client);
      open.add(backend);
    }
    Thread upstream = Thread.ofVirtual().start(() -> pipe(client, backend));
    pipe(backend, client);
    try {
      upstream.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(client);
    closeQuietly(backend);
    synchronized (open) {
      open.remove(client);
      open.remove(backend);
    }
  }

  /** Copies one direction; its end is passed on as a half-close, as TCP through a NAT does. */
  private static void pipe(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      in.transferTo(out);
      to.shutdownOutput();
    } catch (IOException e) {
      // either side went away: end both
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // already closed
    }
    pods.close();
    synchronized (open) {
      open.forEach(ServiceProxy::closeQuietly);
    }
  }

  @Override
  public String toString() {
    return "ServiceProxy[" + serviceName + " at " + address() + "]";
  }
}
