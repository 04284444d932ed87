package io.lorafleet.router.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lorafleet.serving.pod.CanaryName;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pod that holds {@code served} and its canary name and refuses every request for the canary as a
 * full server does (429, the OpenAI error shape, Retry-After); the stable version answers {@link
 * #STABLE_TEXT}. Plain JDK HTTP on loopback.
 */
public final class RefusingCanaryPod implements AutoCloseable {
  public static final String STABLE_TEXT = "from stable";

  private final HttpServer server;
  private final String state;
  private final String canary;
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();

  public RefusingCanaryPod(String served) throws IOException {
    this.canary = CanaryName.of(served);
    this.state =
        Client.JSON
            .createObjectNode()
            .put("version", 1)
            .put("base_model", "tiny-base")
            .put("ready", true)
            .put("max_running", 16)
            .put("running", 0)
            .put("waiting", 0)
            .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                "adapters", Client.JSON.createArrayNode())
            .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                "registered", Client.JSON.createArrayNode().add(served).add(canary))
            .toString();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/pod/state", this::podState);
    server.createContext("/v1/completions", this::completion);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests for the canary refused so far. */
  public int refused() {
    return refused.get();
  }

  /** Requests for the stable version answered so far. */
  public int answered() {
    return answered.get();
  }

  private void podState(HttpExchange ex) throws IOException {
    String q = ex.getRequestURI().getQuery();
    if (q != null && q.contains("since=")) {
      try {
        Thread.sleep(300); // a long poll with nothing new
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    send(ex, 200, state);
  }

  private void completion(HttpExchange ex) throws IOException {
    var body = Client.JSON.readTree(ex.getRequestBody().readAllBytes());
    if (body.path("model").asText().equals(canary)) {
      refused.incrementAndGet();
      ex.getResponseHeaders().add("Retry-After", "1");
      send(
          ex,
          429,
          "{\"error\":{\"message\":\"the waiting queue is full\",\"type\":\"rate_limit_error\","
              + "\"param\":null,\"code\":\"overloaded\"}}");
      return;
    }
    answered.incrementAndGet();
    send(
        ex,
        200,
        Client.JSON
            .createObjectNode()
            .put("object", "text_completion")
            .put("model", body.path("model").asText())
            .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                "choices",
                Client.JSON
                    .createArrayNode()
                    .add(
                        Client.JSON
                            .createObjectNode()
                            .put("index", 0)
                            .put("text", STABLE_TEXT)
                            .put("finish_reason", "length")))
            .toString());
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
