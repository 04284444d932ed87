package io.lorafleet.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.ports.LoopbackPorts;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The operator image as the chart runs it (UID 10001, read-only root filesystem, a memory limit)
 * but with no API server to reach: it starts its controllers, then stops with an error that names
 * the API server it could not reach, within the start-up budget a liveness probe would give it.
 */
class OperatorImageSmokeTest {
  /** The chart's liveness probe: 3 failures 10 s apart, plus the JVM's start. */
  private static final Duration START_UP_BUDGET = Duration.ofSeconds(60);

  @Test
  void startsAndSaysItNeedsAnApiServer() throws Exception {
    Podman podman = Podman.fromBuild();
    String image = ImagesDir.built().getProperty("operator");
    // Nothing listens there, and outside the ephemeral range the client's own source port can never
    // equal it (a closed bind(0) port could: TCP self-connect, which then "succeeds").
    int closedPort = LoopbackPorts.next();
    String apiServer = "https://127.0.0.1:" + closedPort;
    String name = "lorafleet-smoke-operator-" + UUID.randomUUID().toString().substring(0, 8);
    long started = System.nanoTime();
    Podman.Result run;
    try {
      run =
          podman.run(
              START_UP_BUDGET,
              "run",
              "--name",
              name,
              "--user",
              "10001:10001",
              "--read-only",
              "--tmpfs",
              "/tmp:rw,mode=1777",
              "--memory",
              "512m",
              "--cap-drop",
              "ALL",
              "--security-opt",
              "no-new-privileges",
              "--network",
              "host",
              "-e",
              JvmHeap.LOG_OPTION,
              "-e",
              "KUBERNETES_MASTER=" + apiServer,
              "-e",
              "QUARKUS_HTTP_PORT=0",
              image);
    } finally {
      podman.remove(name);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "operator image: stopped after %.1f s (exit %d) without an API server; --memory 512m,"
            + " the JVM's max heap %d MiB%n",
        seconds, run.exitCode(), JvmHeap.maxHeapMiB(run.output()).orElse(-1));
    assertThat(run.output()).as("its controllers started").contains("Starting operator.");
    assertThat(run.output())
        .as("it says in one line which API server it could not reach and what it needs")
        .contains("Cannot reach the Kubernetes API server at " + apiServer)
        .contains("KUBECONFIG");
    assertThat(run.exitCode()).as(run.output()).isNotZero();
    assertThat(JvmHeap.maxHeapMiB(run.output())).as("MaxRAMPercentage=75 of 512 MiB").hasValue(384);
  }
}
