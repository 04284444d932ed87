package io.lorafleet.router.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A pod on loopback that serves base model {@code fake-base}, answers every completion with a short
 * SSE stream, and records the client port of each completion (which connection the router used).
 */
public final class RecordingPod implements AutoCloseable {
  private static final String STATE =
      "{\"version\":1,\"base_model\":\"fake-base\",\"ready\":true,\"max_running\":4,"
          + "\"running\":0,\"waiting\":0,\"adapters\":[],\"registered\":[]}";
  private static final String STREAM =
      "data: {\"choices\":[{\"index\":0,\"text\":\"a\"}]}\n\n"
          + "data: {\"choices\":[{\"index\":0,\"text\":\"b\"}]}\n\n"
          + "data: [DONE]\n\n";

  private final HttpServer server;
  private final List<Integer> completionPorts = new CopyOnWriteArrayList<>();

  public RecordingPod() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/v1/pod/state",
        ex -> {
          String q = ex.getRequestURI().getQuery();
          if (q != null && q.contains("since=")) {
            sleep(300); // a long poll with nothing new
          }
          byte[] b = STATE.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, b.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
          }
        });
    server.createContext(
        "/v1/completions",
        ex -> {
          completionPorts.add(ex.getRemoteAddress().getPort());
          ex.getRequestBody().readAllBytes();
          byte[] b = STREAM.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
          }
        });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The client port of each completion so far, in order. */
  public List<Integer> completionPorts() {
    return List.copyOf(completionPorts);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
