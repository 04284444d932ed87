package io.lorafleet.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A serving pod's adapter admin API on loopback for the controller tests, which need pods that
 * start in milliseconds and can be told to refuse (the end-to-end test runs the real server image):
 * it speaks the same protocol (bearer token, load/unload, registrations, GET /v1/adapters with
 * digests, typed 400 refusals) but loads nothing; the digest comes from the sha256-... path. Like
 * the real server it reads its admin token from the mounted Secret file at every call: a missing,
 * unreadable or empty file accepts nothing, a rewritten one takes effect at once.
 */
public final class FakeServingPod implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERSION = Pattern.compile("sha256-([0-9a-f]{64})/?$");

  private final HttpServer server;
  private final Path tokenFile;
  private final Map<String, String> loaded = new ConcurrentHashMap<>();
  private final Map<String, String> registered = new ConcurrentHashMap<>();
  private final java.util.Set<String> noEffect = ConcurrentHashMap.newKeySet();
  private final List<String> requestBodies = new CopyOnWriteArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, String> refusals = new ConcurrentHashMap<>();
  private final List<String> loads = new CopyOnWriteArrayList<>();
  private volatile int unloadFailure;
  private volatile boolean hang;
  private volatile boolean hangUnloads;
  private volatile long loadMillis;
  private volatile boolean ready = true;

  /** Copies a request would have loaded (not the admin API's loads): name to digest and tier. */
  private final Map<String, List<String>> demandCopies = new ConcurrentHashMap<>();

  private final java.util.concurrent.atomic.AtomicInteger stateRequests =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.CountDownLatch closed =
      new java.util.concurrent.CountDownLatch(1);

  /** {@code tokenFile} null: no admin token (vLLM's admin API is unauthenticated). */
  public FakeServingPod(Path tokenFile) throws IOException {
    this(new InetSocketAddress("127.0.0.1", 0), tokenFile);
  }

  /** Listening on {@code address}: a pod's own IP and serving port, say. */
  public FakeServingPod(InetSocketAddress address, Path tokenFile) throws IOException {
    this.tokenFile = tokenFile;
    this.server = HttpServer.create(address, 0);
    server.createContext("/v1/load_lora_adapter", this::load);
    server.createContext("/v1/unload_lora_adapter", this::unload);
    server.createContext("/v1/adapters", this::adapters);
    server.createContext("/v1/register_lora_adapter", this::register);
    server.createContext("/v1/unregister_lora_adapter", this::unregister);
    server.createContext("/v1/registered_adapters", this::registeredAdapters);
    server.createContext("/v1/pod/state", this::podState);
    // The readiness probes (builtin /health/ready, vLLM /health), for a kubelet stand-in that runs
    // them.
    server.createContext(
        "/health",
        exchange -> respond(exchange, ready ? 200 : 503, ready ? "{}" : "{\"loading\":1}"));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Whether the readiness probe succeeds: false makes the kubelet stand-in report the pod not ready
   * after the probe's failure threshold, as under load; true brings it back.
   */
  public void ready(boolean ready) {
    this.ready = ready;
  }

  /** Served name to digest. */
  public Map<String, String> loaded() {
    return Map.copyOf(loaded);
  }

  /** Served name to digest of the registrations (the builtin server's on-demand loads). */
  public Map<String, String> registered() {
    return Map.copyOf(registered);
  }

  /** Forgets every registration, as a restarted server process has. */
  public void unregisterAll() {
    registered.clear();
  }

  /**
   * The pod reports a copy of {@code name} that a request loaded (the real server's lazy load), in
   * {@code tier}; null removes it (its LRU retired it).
   */
  public void demandCopy(String name, String digest, String tier) {
    if (digest == null) {
      demandCopies.remove(name);
    } else {
      demandCopies.put(name, List.of(digest, tier));
    }
  }

  /** How many times the pod's state was asked for. */
  public int stateRequests() {
    return stateRequests.get();
  }

  /** Every admin request received ("METHOD uri", and whether it carried a token), in order. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** The names of the adapters this pod was asked to load (and loaded), in order. */
  public List<String> loads() {
    return List.copyOf(loads);
  }

  /** Each load takes this long from now on, as a real download and load does. */
  public void slowLoads(java.time.Duration duration) {
    loadMillis = duration.toMillis();
  }

  public List<String> requestBodies() {
    return List.copyOf(requestBodies);
  }

  /**
   * From now on every load hangs (the pod accepts the connection and never answers), as a pod stuck
   * on a slow download or a wedged GPU does; released on close.
   */
  public void hangLoads() {
    hang = true;
  }

  /**
   * From now on every unload is accepted and never answered (released on close), while the pod's
   * other endpoints keep answering: a pod wedged in one call, as a stuck GPU free would leave it.
   */
  public void hangUnloads() {
    hangUnloads = true;
  }

  /** Answer every unload with this HTTP status from now on (a broken or misconfigured pod). */
  public void failUnloads(int status) {
    unloadFailure = status;
  }

  /**
   * Report {@code name}'s load probe as showing no effect (what the real server reports for an
   * all-zero lora_B); other adapters report an effect.
   */
  public void withoutEffect(String name) {
    noEffect.add(name);
  }

  /** Make the next loads of {@code name} fail with HTTP 400 and this typed code. */
  public void refuse(String name, String code) {
    refusals.put(name, code);
  }

  private boolean authorized(HttpExchange exchange) throws IOException {
    requests.add(
        exchange.getRequestMethod()
            + " "
            + exchange.getRequestURI()
            + (exchange.getRequestHeaders().containsKey("Authorization") ? " (with a token)" : ""));
    if (tokenFile == null) {
      return true;
    }
    String token;
    try {
      token = Files.readString(tokenFile).trim();
    } catch (IOException e) {
      token = "";
    }
    if (!token.isEmpty()
        && ("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      return true;
    }
    respond(exchange, 401, "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"bad token\"}}");
    return false;
  }

  private JsonNode body(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requestBodies.add(body);
    return JSON.readTree(body);
  }

  private void load(HttpExchange exchange) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    JsonNode body = body(exchange);
    if (hang) {
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
      return;
    }
    String name = body.path("lora_name").asText();
    String code = refusals.get(name);
    if (code != null) {
      respond(
          exchange,
          400,
          "{\"error\":{\"code\":\"" + code + "\",\"message\":\"refused by the pod\"}}");
      return;
    }
    Matcher version = VERSION.matcher(body.path("lora_path").asText());
    if (!version.find()) {
      respond(
          exchange,
          400,
          "{\"error\":{\"code\":\"ArtifactNotFound\",\"message\":\"not a version\"}}");
      return;
    }
    if (loadMillis > 0) {
      try {
        Thread.sleep(loadMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    loaded.put(name, "sha256:" + version.group(1));
    loads.add(name);
    respond(exchange, 200, "{}");
  }

  private void unload(HttpExchange exchange) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    String name = body(exchange).path("lora_name").asText();
    if (hangUnloads) {
      // Held on a thread of its own, so the dispatcher goes on serving the other requests.
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  closed.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                exchange.close();
              });
      return;
    }
    if (unloadFailure != 0) {
      respond(exchange, unloadFailure, "{\"error\":{\"code\":\"Internal\",\"message\":\"no\"}}");
      return;
    }
    respond(exchange, loaded.remove(name) == null ? 404 : 200, "{}");
  }

  private void register(HttpExchange exchange) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    JsonNode body = body(exchange);
    registered.put(body.path("lora_name").asText(), body.path("digest").asText());
    respond(exchange, 200, "{\"status\":\"registered\"}");
  }

  private void unregister(HttpExchange exchange) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    String name = body(exchange).path("lora_name").asText();
    boolean known = registered.remove(name) != null;
    known |= loaded.remove(name) != null;
    respond(exchange, known ? 200 : 404, "{}");
  }

  private void registeredAdapters(HttpExchange exchange) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    var data = JSON.createArrayNode();
    registered.forEach((name, digest) -> data.addObject().put("name", name).put("digest", digest));
    respond(exchange, 200, JSON.createObjectNode().set("data", data).toString());
  }

  private void adapters(HttpExchange exchange) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    // ?name= asks for one adapter, as the real server allows.
    String query = exchange.getRequestURI().getQuery();
    String only =
        query != null && query.startsWith("name=")
            ? java.net.URLDecoder.decode(query.substring(5), StandardCharsets.UTF_8)
            : null;
    var data = JSON.createArrayNode();
    loaded.forEach(
        (name, digest) -> {
          if (only == null || only.equals(name)) {
            var entry = data.addObject().put("name", name).put("digest", digest);
            boolean flat = noEffect.contains(name);
            entry
                .putObject("probe")
                .put("max_logit_diff", flat ? 0.0 : 0.42)
                .put("no_effect", flat);
          }
        });
    respond(exchange, 200, JSON.createObjectNode().set("data", data).toString());
  }

  /**
   * GET /v1/pod/state: what the real server reports (admin loads in the device tier, demand copies
   * in theirs); its version is derived from the content. Answers at once: this server has a single
   * dispatcher thread, so it holds no long poll.
   */
  private void podState(HttpExchange exchange) throws IOException {
    stateRequests.incrementAndGet();
    var adapters = JSON.createArrayNode();
    java.util.SortedMap<String, List<String>> copies = new java.util.TreeMap<>(demandCopies);
    loaded.forEach((name, digest) -> copies.put(name, List.of(digest, "device")));
    copies.forEach(
        (name, copy) ->
            adapters
                .addObject()
                .put("name", name)
                .put("digest", copy.get(0))
                .put("tier", copy.get(1)));
    var state = JSON.createObjectNode();
    state.put("version", Math.abs((long) copies.hashCode()) + 1);
    state.put("ready", ready);
    state.set("adapters", adapters);
    respond(exchange, 200, state.toString());
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return; // closed already (a released pod whose container stops later)
    }
    closed.countDown();
    server.stop(0);
  }
}
