package io.lorafleet.router.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A misbehaving pod on loopback: its state says it serves base model {@code fake-base}, and it
 * answers every completion with 200 and a body that does not end (64 KiB chunks, stopped after 48
 * MiB or when the router hangs up).
 */
public final class EndlessPod implements AutoCloseable {
  public static final long CAP = 48L << 20;
  private static final String STATE =
      "{\"version\":1,\"base_model\":\"fake-base\",\"ready\":true,\"max_running\":4,"
          + "\"running\":0,\"waiting\":0,\"adapters\":[],\"registered\":[]}";

  private final HttpServer server;

  public EndlessPod() throws IOException {
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
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, 0); // chunked: no end announced
          byte[] chunk = new byte[64 << 10];
          java.util.Arrays.fill(chunk, (byte) ' ');
          try (OutputStream o = ex.getResponseBody()) {
            o.write('{');
            for (long sent = 0; sent < CAP; sent += chunk.length) {
              o.write(chunk);
            }
            o.write('}');
          } catch (IOException e) {
            // the router hung up
          }
        });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
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
