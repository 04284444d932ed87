package io.lorafleet.router.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pod on loopback that holds every streamed completion open until {@code streams} of them are
 * open at once (or {@code holdSeconds} pass), then answers each with two text events and {@code
 * [DONE]}. It counts the most completions it ever had open together: anything between the client
 * and this pod that runs fewer than {@code streams} at a time shows as a lower count (and as
 * clients held until the deadline). Its state: base model {@code fake-base}, room for 1024.
 */
public final class BarrierPod implements AutoCloseable {
  private static final String STATE =
      "{\"version\":1,\"base_model\":\"fake-base\",\"ready\":true,\"max_running\":1024,"
          + "\"running\":0,\"waiting\":0,\"adapters\":[],\"registered\":[]}";

  private final HttpServer server;
  private final CountDownLatch all;
  private final long holdSeconds;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();

  public BarrierPod(int streams, long holdSeconds) throws IOException {
    this.all = new CountDownLatch(streams);
    this.holdSeconds = holdSeconds;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
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
          mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
          try {
            all.countDown();
            all.await(holdSeconds, TimeUnit.SECONDS);
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
              for (String t : new String[] {"a", "b"}) {
                o.write(event(t));
                o.flush();
              }
              o.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            open.decrementAndGet();
          }
        });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The most completions this pod had open at the same time. */
  public int mostOpen() {
    return mostOpen.get();
  }

  private static byte[] event(String text) {
    return ("data: {\"id\":\"cmpl-b\",\"object\":\"text_completion\",\"model\":\"fake-base\","
            + "\"choices\":[{\"index\":0,\"text\":\""
            + text
            + "\",\"finish_reason\":null}]}\n\n")
        .getBytes(StandardCharsets.UTF_8);
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
