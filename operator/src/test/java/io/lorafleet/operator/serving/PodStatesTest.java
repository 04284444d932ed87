package io.lorafleet.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Following one pod's state: only the served names whose copy appeared, left or changed version are
 * passed on (not moves between tiers), and a pod that stops answering is given up with its copies
 * forgotten (they are unknown now).
 */
class PodStatesTest {

  private static String state(long version, String... nameDigestTier) {
    StringBuilder adapters = new StringBuilder();
    for (int i = 0; i < nameDigestTier.length; i += 3) {
      adapters
          .append(adapters.isEmpty() ? "" : ",")
          .append(
              "{\"name\":\"%s\",\"digest\":\"%s\",\"tier\":\"%s\"}"
                  .formatted(nameDigestTier[i], nameDigestTier[i + 1], nameDigestTier[i + 2]));
    }
    return "{\"version\":%d,\"ready\":true,\"running\":%d,\"adapters\":[%s]}"
        .formatted(version, version, adapters);
  }

  private static void respond(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Test
  void passesOnOnlyChangedCopiesAndForgetsAPodThatStopsAnswering() throws Exception {
    AtomicReference<String> body =
        new AtomicReference<>(state(1, "a", "sha256:1", "device", "b", "sha256:1", "host"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    java.util.concurrent.atomic.AtomicInteger asked =
        new java.util.concurrent.atomic.AtomicInteger();
    server.createContext(
        "/v1/pod/state",
        exchange -> {
          asked.incrementAndGet();
          respond(exchange, body.get());
        });
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
    PodStates states = new PodStates();
    BlockingQueue<Set<String>> changes = new LinkedBlockingQueue<>();
    states.bind((namespace, baseModel, names) -> changes.add(names));
    ServingPod pod =
        new ServingPod(
            "pod-1", "uid-1", 0, URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    try {
      states.follow("ns", "base", pod, () -> null);
      states.follow("ns", "base", pod, () -> null); // idempotent: one follower
      assertThat(changes.poll(30, TimeUnit.SECONDS)).containsExactlyInAnyOrder("a", "b");
      assertThat(states.copy(pod, "b")).contains(new PodStates.Copy("sha256:1"));
      assertThat(states.followed()).isEqualTo(1);

      // The state moved (another running count, b to the disk tier) but no copy came or went:
      // nothing is passed on; then a new version of b: only b.
      body.set(state(2, "a", "sha256:1", "device", "b", "sha256:1", "disk"));
      int before = asked.get();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> asked.get() >= before + 2);
      assertThat(changes).isEmpty();
      body.set(state(3, "a", "sha256:1", "device", "b", "sha256:2", "host"));
      assertThat(changes.poll(30, TimeUnit.SECONDS)).containsExactly("b");
      assertThat(states.copy(pod, "b")).contains(new PodStates.Copy("sha256:2"));
    } finally {
      server.stop(0);
    }
    // The pod is gone: after a few refused polls its copies are unknown, and it is not followed.
    assertThat(changes.poll(60, TimeUnit.SECONDS)).containsExactlyInAnyOrder("a", "b");
    assertThat(states.copy(pod, "a")).isEmpty();
    assertThat(states.followed()).isZero();
    assertThat(changes).isEmpty();
  }
}
