package io.lorafleet.router.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pod on loopback whose state has changed by every poll (as a busy pod's running count does with
 * each request start and end): each {@code /v1/pod/state} answers at once with a new version. It
 * counts the polls.
 */
public final class ChangingPod implements AutoCloseable {
  private final HttpServer server;
  private final AtomicLong polls = new AtomicLong();

  public ChangingPod() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/v1/pod/state",
        ex -> {
          long version = polls.incrementAndGet();
          byte[] b =
              ("{\"version\":"
                      + version
                      + ",\"base_model\":\"fake-base\",\"ready\":true,\"max_running\":4,"
                      + "\"running\":"
                      + (version % 4)
                      + ",\"waiting\":0,\"adapters\":[],\"registered\":[]}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, b.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
          }
        });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public long polls() {
    return polls.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
