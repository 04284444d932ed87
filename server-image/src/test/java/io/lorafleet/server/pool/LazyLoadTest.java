package io.lorafleet.server.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Registered adapters are served on demand: one load per adapter however many requests ask, the
 * promised digest enforced, unregistered names still 404, and a load that takes as long as the test
 * likes (a gated source) does not hold up a running stream.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class LazyLoadTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TestHTTPResource("/")
  URI url;

  @Inject PodStateTracker tracker;

  @Test
  void aRegisteredAdapterIsLoadedOnceOnItsFirstRequestsAndServed() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    String uri = f.publishAdapter("lazy-a", 4, 701);
    assertThat(f.post("/v1/completions", Fixture.completion("lazy-a", "hi", 4), null).statusCode())
        .isEqualTo(404);
    var reg = register(f, "lazy-a", uri, digestOf(uri));
    assertThat(reg.statusCode()).as(reg.body()).isEqualTo(200);
    assertThat(state(f).path("registered").toString()).contains("lazy-a");
    assertThat(f.adapters("?name=lazy-a").path("data")).isEmpty(); // nothing read yet

    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(
            clients.submit(
                () -> f.post("/v1/completions", Fixture.completion("lazy-a", "hi", 4), null)));
      }
      for (Future<HttpResponse<String>> c : calls) {
        HttpResponse<String> r = c.get(120, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(
            f.metric(
                "lorafleet_server_adapter_load_seconds_count",
                Map.of("adapter", "lazy-a", "from", "object-store")))
        .as("eight concurrent first requests share one fetch")
        .isEqualTo(1.0);
    JsonNode resident = f.adapters("?name=lazy-a").path("data");
    assertThat(resident).hasSize(1);
    assertThat(resident.get(0).path("digest").asText()).isEqualTo("sha256:" + digestOf(uri));
    assertThat(state(f).path("adapters").toString()).contains("\"name\":\"lazy-a\"");
    assertThat(f.post("/v1/completions", Fixture.completion("never-registered", "hi", 4), null))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(404);
  }

  @Test
  void aDigestOtherThanTheRegisteredOneIsNeverServed() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    String uri = f.publishAdapter("lazy-b", 4, 702);
    String other = "0".repeat(64);
    var named = register(f, "lazy-b", uri, other);
    assertThat(named.statusCode()).isEqualTo(400);
    assertThat(named.body()).contains("DigestMismatch");

    Path dir = f.adapterDir("lazy-c", 4, 703, Fixture.ALL_MODULES);
    var local = register(f, "lazy-c", dir.toString(), "sha256:" + other);
    assertThat(local.statusCode()).as(local.body()).isEqualTo(200);
    var r = f.post("/v1/completions", Fixture.completion("lazy-c", "hi", 4), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(r.body()).contains("adapter_unavailable").contains("registered as");
    assertThat(f.adapters("?name=lazy-c").path("data")).as("unloaded again").isEmpty();
  }

  @Test
  void aRefusedArtifactIsNotFetchedAgainUntilItIsRegisteredAgain() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    Path dir = f.adapterDir("lazy-d", 4, 704, Fixture.ALL_MODULES);
    String wrong = "sha256:" + "1".repeat(64);
    assertThat(register(f, "lazy-d", dir.toString(), wrong).statusCode()).isEqualTo(200);
    for (int i = 0; i < 3; i++) {
      var r = f.post("/v1/completions", Fixture.completion("lazy-d", "hi", 4), null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(r.body()).contains("adapter_unavailable").contains("registered as");
    }
    assertThat(GatedFetch.FETCHES.get("lazy-d").get())
        .as("the immutable version was refused once; later requests get the same answer unread")
        .isEqualTo(1);

    assertThat(register(f, "lazy-d", dir.toString(), wrong).statusCode()).isEqualTo(200);
    var again = f.post("/v1/completions", Fixture.completion("lazy-d", "hi", 4), null);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(503);
    assertThat(GatedFetch.FETCHES.get("lazy-d").get())
        .as("registering again is a request to try again")
        .isEqualTo(2);
  }

  @Test
  void aRunningStreamFinishesWhileAnAdapterLoadIsHeldOpen() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    String uri = f.publishAdapter("gated-a", 4, 704);
    assertThat(register(f, "gated-a", uri, digestOf(uri)).statusCode()).isEqualTo(200);
    CountDownLatch gate = new CountDownLatch(1);
    GatedFetch.gate = gate;
    CompletableFuture<HttpResponse<String>> gated =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return f.post("/v1/completions", Fixture.completion("gated-a", "hi", 4), null);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (state(f).path("loading").asInt() == 0 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(state(f).path("loading").asInt()).as("the gated load is running").isEqualTo(1);

      // A stream on the base model, read to its end while the load is still held open: had the
      // load run on the engine thread, no token would come until the gate opened.
      String base = state(f).path("base_model").asText();
      ObjectNode body = Fixture.completion(base, "once upon a time", 48).put("stream", true);
      HttpResponse<InputStream> stream =
          HTTP.send(
              HttpRequest.newBuilder(url.resolve("/v1/completions"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(stream.statusCode()).isEqualTo(200);
      int chunks = 0;
      boolean done = false;
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.equals("data: [DONE]")) {
            done = true;
            break;
          }
          if (line.startsWith("data: ")) {
            chunks++;
          }
        }
      }
      assertThat(done).isTrue();
      assertThat(chunks).isGreaterThan(8);
      assertThat(gated).as("the adapter's request still waits for its load").isNotDone();
      assertThat(state(f).path("loading").asInt()).isEqualTo(1);
    } finally {
      gate.countDown();
    }
    HttpResponse<String> r = gated.get(120, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void podStateLongPollAnswersWhenTheVersionMoves() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    JsonNode now = state(f);
    long version = now.path("version").asLong();
    assertThat(now.path("max_running").asInt()).isPositive();
    assertThat(now.path("ready").asBoolean()).isTrue();
    CompletableFuture<HttpResponse<String>> poll =
        HTTP.sendAsync(
            HttpRequest.newBuilder(url.resolve("/v1/pod/state?since=" + version + "&wait=30"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(300);
    assertThat(poll).as("nothing changed: the poll waits").isNotDone();
    String uri = f.publishAdapter("lazy-poll", 4, 705);
    assertThat(register(f, "lazy-poll", uri, digestOf(uri)).statusCode()).isEqualTo(200);
    JsonNode moved = Fixture.JSON.readTree(poll.get(10, TimeUnit.SECONDS).body());
    assertThat(moved.path("version").asLong()).isGreaterThan(version);
    assertThat(moved.path("registered").toString()).contains("lazy-poll");
    var quick = f.get("/v1/pod/state?since=" + moved.path("version").asLong() + "&wait=0.2");
    assertThat(quick.statusCode()).isEqualTo(200);
    assertThat(f.get("/v1/pod/state?wait=31").statusCode()).isEqualTo(400);
  }

  @Test
  void anIdlePodTakesNoStateSnapshots() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    // Other tests' loads and streams settle first: look for one quiet half second within 20 s.
    // Before the state was event-driven a snapshot was taken every 50 ms, so none was ever quiet.
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    boolean quiet = false;
    while (!quiet && System.nanoTime() < end) {
      long before = tracker.snapshots();
      Thread.sleep(500);
      quiet = tracker.snapshots() == before;
    }
    assertThat(quiet).as("an idle pod took a state snapshot in every half second").isTrue();
  }

  private static JsonNode state(Fixture f) throws Exception {
    return Fixture.JSON.readTree(f.get("/v1/pod/state").body());
  }

  private static String digestOf(String versionUri) {
    int at = versionUri.indexOf("sha256-");
    return versionUri.substring(at + 7, at + 7 + 64);
  }

  private static HttpResponse<String> register(Fixture f, String name, String path, String digest)
      throws Exception {
    ObjectNode body =
        Fixture.JSON
            .createObjectNode()
            .put("lora_name", name)
            .put("lora_path", path)
            .put("digest", digest);
    return f.post("/v1/register_lora_adapter", body, ServerTestResource.TOKEN);
  }
}
