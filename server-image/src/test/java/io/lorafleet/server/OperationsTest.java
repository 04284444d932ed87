package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.server.scheduling.EngineService;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Liveness and readiness over HTTP: not ready until the required adapter is resident, ready after
 * its load and through adapter churn that evicts others from the host tier (it is pinned), not
 * ready while draining; alive throughout.
 */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = {
      @ResourceArg(name = "lorafleet.server.required-adapters", value = "ops-required"),
      @ResourceArg(name = "lorafleet.server.max-loaded", value = "1"),
      @ResourceArg(name = "lorafleet.server.max-cached", value = "1")
    })
class OperationsTest {
  @TestHTTPResource("/")
  URI url;

  @Inject EngineService engine;

  @Test
  void readyOnlyWithTheRequiredAdapterResidentAndNotWhileDraining() throws Exception {
    Fixture f = new Fixture(url);
    awaitBaseModel(f);
    assertLive(f);
    JsonNode ready = health(f, "/health/ready", 503);
    assertThat(ready.path("status").asText()).isEqualTo("DOWN");
    assertThat(data(ready).path("missingRequiredAdapters").asText()).isEqualTo("ops-required");

    // Another adapter does not make the server ready.
    load(f, "ops-other", f.publishAdapter("ops-other", 4, 801));
    health(f, "/health/ready", 503);

    load(f, "ops-required", f.publishAdapter("ops-required", 4, 802));
    ready = health(f, "/health/ready", 200);
    assertThat(ready.path("status").asText()).isEqualTo("UP");
    assertThat(data(ready).path("missingRequiredAdapters").asText()).isEmpty();
    assertThat(data(ready).path("draining").asBoolean()).isFalse();
    JsonNode required = adapter(f, "ops-required");
    assertThat(required.path("pinned").asBoolean()).as(required.toString()).isTrue();
    assertThat(required.path("tier").asText()).isIn("device", "host");
    assertLive(f);

    // Churn with one device slot and one host slot: the others are evicted from the host tier,
    // the required adapter stays resident and the server stays ready.
    load(f, "ops-other-2", f.publishAdapter("ops-other-2", 4, 803));
    double hostEvictions = hostEvictions(f);
    for (int i = 0; i < 3; i++) {
      for (String model : new String[] {"ops-other", "ops-other-2", "tiny-llama"}) {
        var r = f.post("/v1/completions", Fixture.completion(model, "churn " + i, 4), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
    }
    assertThat(hostEvictions(f)).isGreaterThan(hostEvictions);
    assertThat(adapter(f, "ops-required").path("tier").asText()).isIn("device", "host");
    health(f, "/health/ready", 200);

    // Draining (what SIGTERM starts): not ready, new requests 503, still alive.
    assertThat(engine.scheduler().drain(Duration.ofSeconds(30))).isTrue();
    ready = health(f, "/health/ready", 503);
    assertThat(data(ready).path("draining").asBoolean()).isTrue();
    assertThat(data(ready).path("missingRequiredAdapters").asText()).isEmpty();
    assertLive(f);
    HttpResponse<String> refused =
        f.post("/v1/completions", Fixture.completion("ops-required", "late", 4), null);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(Fixture.JSON.readTree(refused.body()).path("error").path("code").asText())
        .isEqualTo("shutting_down");
  }

  private static void awaitBaseModel(Fixture f) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!data(Fixture.JSON.readTree(f.get("/health/ready").body()))
        .path("baseModelLoaded")
        .asBoolean()) {
      assertThat(System.nanoTime()).as("base model loaded in time").isLessThan(end);
      Thread.sleep(100);
    }
  }

  private static void assertLive(Fixture f) throws Exception {
    assertThat(health(f, "/health/live", 200).path("status").asText()).isEqualTo("UP");
  }

  private static JsonNode health(Fixture f, String path, int status) throws Exception {
    HttpResponse<String> r = f.get(path);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(status);
    return Fixture.JSON.readTree(r.body());
  }

  private static JsonNode data(JsonNode health) {
    return health.path("checks").path(0).path("data");
  }

  private static void load(Fixture f, String name, String path) throws Exception {
    var r = f.load(name, path, false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static JsonNode adapter(Fixture f, String name) throws Exception {
    for (JsonNode a : f.adapters().path("data")) {
      if (a.path("name").asText().equals(name)) {
        return a;
      }
    }
    throw new AssertionError(name + " not in /v1/adapters");
  }

  private static double hostEvictions(Fixture f) throws Exception {
    return f.metric("lorafleet_server_adapter_evictions_total", Map.of("tier", "host"));
  }
}
