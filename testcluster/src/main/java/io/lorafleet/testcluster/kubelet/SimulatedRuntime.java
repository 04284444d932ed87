package io.lorafleet.testcluster.kubelet;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ContainerPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Containers that do no real work: the pod only gets its status (Running, Ready, a pod IP). A test
 * may serve an endpoint of its own on the pod's IP ({@link #serving}), against which the pod's
 * readiness and liveness probes then run; without one, probes are skipped and the container is
 * ready as soon as it runs. A simulated container exits 0 on SIGTERM and 137 on SIGKILL, or by
 * itself with a given code ({@link #exiting}), which is how Job pods end.
 */
public final class SimulatedRuntime implements ContainerRuntime {
  /** Something a test serves on the pod's IP while the container runs; closed when it stops. */
  @FunctionalInterface
  public interface Endpoint {
    AutoCloseable serve(ContainerLaunch launch) throws IOException;
  }

  private final Endpoint endpoint;
  private final Duration exitAfter;
  private final int exitCode;

  private SimulatedRuntime(Endpoint endpoint, Duration exitAfter, int exitCode) {
    this.endpoint = endpoint;
    this.exitAfter = exitAfter;
    this.exitCode = exitCode;
  }

  /** Containers that run until stopped. */
  public static SimulatedRuntime running() {
    return new SimulatedRuntime(null, null, 0);
  }

  /** Containers that run until stopped with {@code endpoint} served on the pod's IP. */
  public static SimulatedRuntime serving(Endpoint endpoint) {
    return new SimulatedRuntime(endpoint, null, 0);
  }

  /** Containers that exit by themselves with {@code code} after {@code after}. */
  public static SimulatedRuntime exiting(int code, Duration after) {
    return new SimulatedRuntime(null, after, code);
  }

  /**
   * An HTTP endpoint: {@code handler} answers on every port the container declares, bound to the
   * pod's IP (the JDK's HTTP server).
   */
  public static Endpoint http(HttpHandler handler) {
    return launch -> {
      List<HttpServer> servers = new ArrayList<>();
      for (ContainerPort port : launch.container().getPorts()) {
        HttpServer server =
            HttpServer.create(new InetSocketAddress(launch.podIP(), port.getContainerPort()), 16);
        server.createContext("/", handler);
        server.start();
        servers.add(server);
      }
      return () -> servers.forEach(s -> s.stop(0));
    };
  }

  @Override
  public boolean probes(ContainerLaunch launch) {
    return endpoint != null;
  }

  @Override
  public RunningContainer start(ContainerLaunch launch) throws ContainerConfigException {
    AutoCloseable served;
    try {
      served = endpoint == null ? null : endpoint.serve(launch);
    } catch (IOException e) {
      throw new ContainerConfigException("RunContainerError", "endpoint: " + e.getMessage());
    }
    Instant exitAt = exitAfter == null ? null : Instant.now().plus(exitAfter);
    return new SimulatedContainer(served, exitAt, exitCode);
  }

  private static final class SimulatedContainer implements RunningContainer {
    private final AutoCloseable served;
    private final Instant exitAt;
    private final int code;
    private Integer exited;

    SimulatedContainer(AutoCloseable served, Instant exitAt, int code) {
      this.served = served;
      this.exitAt = exitAt;
      this.code = code;
    }

    @Override
    public synchronized OptionalInt exitCode() {
      if (exited == null && exitAt != null && !Instant.now().isBefore(exitAt)) {
        stop(code);
      }
      return exited == null ? OptionalInt.empty() : OptionalInt.of(exited);
    }

    @Override
    public synchronized void terminate() {
      stop(0);
    }

    @Override
    public synchronized void kill() {
      stop(137);
    }

    private void stop(int exitCode) {
      if (exited != null) {
        return;
      }
      exited = exitCode;
      if (served != null) {
        try {
          served.close();
        } catch (Exception e) {
          // the test's endpoint failed to close: nothing the pod can do
        }
      }
    }

    @Override
    public String log() {
      return "";
    }
  }
}
