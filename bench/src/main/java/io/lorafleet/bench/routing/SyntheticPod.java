package io.lorafleet.bench.routing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SYNTHETIC upstream, not a server: a loopback HTTP endpoint in the bench's own JVM that answers
 * a streamed completion with a fixed token sequence at a fixed pace (first event after {@code
 * firstMs}, then one every {@code paceMs}, {@code max_tokens} of them, then {@code [DONE]}) and
 * computes nothing. It also answers the router's {@code /v1/pod/state} long poll with a constant
 * state (ready, nothing loaded). Used for both the direct and the routed rounds, so what the router
 * adds is measured without two engines taking the cores it needs.
 */
final class SyntheticPod implements AutoCloseable {
  static {
    // The JDK server leaves Nagle on. Each event is then held until the previous one is
    // acknowledged, and a receiver that delays its ACKs (the router's pooled pod connections do)
    // adds up to 40 ms per event: an inter-token p99 of 40 ms through the router that the real
    // servers (Vert.x, TCP_NODELAY) never show. Read once, when the first server is made.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private static final Pattern MAX_TOKENS = Pattern.compile("\"max_tokens\"\\s*:\\s*(\\d+)");
  private static final Pattern SINCE = Pattern.compile("since=(\\d+)");
  private static final Pattern WAIT = Pattern.compile("wait=([0-9.]+)");
  private static final String STATE =
      "{\"version\":1,\"base_model\":\"tiny\",\"ready\":true,\"draining\":false,"
          + "\"max_running\":1024,\"max_loaded\":16,\"running\":0,\"waiting\":0,\"loading\":0,"
          + "\"adapters\":[],\"registered\":[]}";

  private final HttpServer server;
  private final long firstMs;
  private final long paceMs;

  SyntheticPod(long firstMs, long paceMs) throws IOException {
    this.firstMs = firstMs;
    this.paceMs = paceMs;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/pod/state", this::state);
    server.createContext("/v1/completions", this::complete);
    server.createContext(
        "/health/ready",
        x -> {
          x.sendResponseHeaders(200, -1);
          x.close();
        });
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The state never changes: a poll that already has version 1 waits out its {@code wait}. */
  private void state(HttpExchange x) throws IOException {
    String query = x.getRequestURI().getRawQuery();
    Matcher since = SINCE.matcher(query == null ? "" : query);
    if (since.find() && since.group(1).equals("1")) {
      Matcher wait = WAIT.matcher(query);
      double seconds = wait.find() ? Double.parseDouble(wait.group(1)) : 10;
      sleep((long) (Math.min(seconds, 30) * 1000));
    }
    byte[] body = STATE.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(200, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  private void complete(HttpExchange x) throws IOException {
    String request = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Matcher m = MAX_TOKENS.matcher(request);
    int tokens = m.find() ? Integer.parseInt(m.group(1)) : 16;
    x.getResponseHeaders().add("Content-Type", "text/event-stream");
    x.sendResponseHeaders(200, 0); // chunked: each flush is one chunk on the wire
    try (OutputStream out = x.getResponseBody()) {
      sleep(firstMs);
      for (int i = 0; i < tokens; i++) {
        if (i > 0) {
          sleep(paceMs);
        }
        out.write(event(i).getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // the client went away; nothing to cancel
    }
  }

  private static String event(int i) {
    return "data: {\"id\":\"cmpl-synthetic\",\"object\":\"text_completion\",\"created\":0,"
        + "\"model\":\"tiny\",\"choices\":[{\"index\":0,\"text\":\" t"
        + i
        + "\",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
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
