package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * One readiness or liveness probe of a container, as the kubelet's prober runs it: first after
 * initialDelaySeconds, then every periodSeconds; httpGet succeeds on a status 200-399 within
 * timeoutSeconds, tcpSocket on a connection; the result flips after successThreshold successes or
 * failureThreshold failures in a row. The probe goes to the pod's IP. exec probes are refused.
 */
final class ProbeRunner {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(1))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final Probe probe;
  private final String host;
  private final int port;
  private final Duration period;
  private final Duration timeout;
  private final int successThreshold;
  private final int failureThreshold;
  private Instant next;
  private int successes;
  private int failures;
  private boolean result;

  private ProbeRunner(Probe probe, Container container, String podIP, boolean initial)
      throws ContainerConfigException {
    this.probe = probe;
    if (probe.getExec() != null || probe.getGrpc() != null) {
      throw new ContainerConfigException(
          "CreateContainerConfigError",
          "exec and grpc probes are not emulated by the kubelet stand-in (container "
              + container.getName()
              + ")");
    }
    IntOrString target =
        probe.getHttpGet() != null ? probe.getHttpGet().getPort() : probe.getTcpSocket().getPort();
    this.port = port(container, target);
    String explicitHost =
        probe.getHttpGet() != null ? probe.getHttpGet().getHost() : probe.getTcpSocket().getHost();
    this.host = explicitHost == null || explicitHost.isEmpty() ? podIP : explicitHost;
    this.period = Duration.ofSeconds(or(probe.getPeriodSeconds(), 10));
    this.timeout = Duration.ofSeconds(or(probe.getTimeoutSeconds(), 1));
    this.successThreshold = or(probe.getSuccessThreshold(), 1);
    this.failureThreshold = or(probe.getFailureThreshold(), 3);
    this.next = Instant.now().plusSeconds(or(probe.getInitialDelaySeconds(), 0));
    this.result = initial;
  }

  /** A readiness probe: not ready until it succeeds. Null when the container has none. */
  static ProbeRunner readiness(Container container, String podIP) throws ContainerConfigException {
    return container.getReadinessProbe() == null
        ? null
        : new ProbeRunner(container.getReadinessProbe(), container, podIP, false);
  }

  /** A liveness probe: alive until it fails. Null when the container has none. */
  static ProbeRunner liveness(Container container, String podIP) throws ContainerConfigException {
    return container.getLivenessProbe() == null
        ? null
        : new ProbeRunner(container.getLivenessProbe(), container, podIP, true);
  }

  private static int or(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static int port(Container container, IntOrString port) throws ContainerConfigException {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    for (ContainerPort declared : container.getPorts()) {
      if (port.getStrVal().equals(declared.getName())) {
        return declared.getContainerPort();
      }
    }
    throw new ContainerConfigException(
        "CreateContainerConfigError", "probe port " + port.getStrVal() + " is not declared");
  }

  /** Runs the probe if it is due; the current result. */
  boolean check(Instant now) {
    if (now.isBefore(next)) {
      return result;
    }
    next = now.plus(period);
    if (once()) {
      failures = 0;
      if (++successes >= successThreshold) {
        result = true;
      }
    } else {
      successes = 0;
      if (++failures >= failureThreshold) {
        result = false;
      }
    }
    return result;
  }

  private boolean once() {
    if (probe.getTcpSocket() != null) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
        return true;
      } catch (IOException e) {
        return false;
      }
    }
    String path = probe.getHttpGet().getPath() == null ? "/" : probe.getHttpGet().getPath();
    try {
      HttpResponse<Void> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                  .timeout(timeout)
                  .header("User-Agent", "kube-probe/1.34")
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return response.statusCode() >= 200 && response.statusCode() < 400;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
