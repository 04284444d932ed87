package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.server.testing.Call;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Four device slots, eight in host memory, 200 registered adapters and a random workload: every
 * request completes with the answer it gives alone, and the tiers and evictions show in
 * /v1/adapters and /metrics.
 */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = {
      @ResourceArg(name = "lorafleet.server.max-loaded", value = "4"),
      @ResourceArg(name = "lorafleet.server.max-cached", value = "8")
    })
class ResidencyTest {
  static final int ADAPTERS = 200;

  @TestHTTPResource("/")
  URI url;

  @Test
  void everyRequestCompletesWithFourSlotsAndTwoHundredAdapters() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    for (int a = 0; a < ADAPTERS; a++) {
      Path dir = f.adapterDir("res-" + a, 2 + 2 * (a % 2), 2000 + a, List.of("q_proj", "v_proj"));
      var r = f.load("res-" + a, dir.toString(), false);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    double deviceEvictions = evictions(f, "device");
    double hostEvictions = evictions(f, "host");
    double diskLoads =
        f.metric("lorafleet_server_adapter_load_seconds_count", Map.of("from", "disk"));
    Random rnd = new Random(42);
    List<List<Call>> clients = new ArrayList<>();
    for (int c = 0; c < 16; c++) {
      List<Call> calls = new ArrayList<>();
      for (int k = 0; k < 12; k++) {
        // Zipf-like: a few hot adapters and a long tail.
        int a = (int) Math.min(ADAPTERS - 1, Math.floor(Math.pow(ADAPTERS, rnd.nextDouble())) - 1);
        calls.add(new Call("res-" + a, "request " + c + "/" + k, rnd.nextBoolean(), 6));
      }
      clients.add(calls);
    }
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<List<Call.Result>>> futures = new ArrayList<>();
    for (List<Call> calls : clients) {
      futures.add(
          pool.submit(
              () -> {
                List<Call.Result> out = new ArrayList<>();
                for (Call call : calls) {
                  out.add(call.run(f));
                }
                return out;
              }));
    }
    Map<Call, Call.Result> together = new HashMap<>();
    for (int c = 0; c < clients.size(); c++) {
      List<Call.Result> results = futures.get(c).get();
      for (int k = 0; k < results.size(); k++) {
        assertThat(results.get(k).status()).as(results.get(k).text()).isEqualTo(200);
        together.put(clients.get(c).get(k), results.get(k));
      }
    }
    pool.shutdown();
    assertThat(together).hasSize(16 * 12);
    for (Map.Entry<Call, Call.Result> e : together.entrySet()) {
      assertThat(e.getKey().run(f)).as(e.getKey().toString()).isEqualTo(e.getValue());
    }

    Map<String, Integer> tiers = new HashMap<>();
    long served = 0;
    for (JsonNode a : f.adapters().path("data")) {
      tiers.merge(a.path("tier").asText(), 1, Integer::sum);
      served += a.path("requests_served").asLong();
    }
    assertThat(tiers.getOrDefault("device", 0)).isBetween(1, 4);
    assertThat(tiers.getOrDefault("device", 0) + tiers.getOrDefault("host", 0))
        .isLessThanOrEqualTo(8);
    assertThat(tiers.get("disk")).isGreaterThanOrEqualTo(ADAPTERS - 8);
    assertThat(served).isEqualTo(2L * 16 * 12);
    assertThat(evictions(f, "device")).isGreaterThan(deviceEvictions);
    assertThat(evictions(f, "host")).isGreaterThan(hostEvictions);
    assertThat(f.metric("lorafleet_server_adapters_device", Map.of())).isBetween(1.0, 4.0);
    assertThat(f.get("/metrics").body())
        .contains("lorafleet_server_adapter_residency{adapter=\"res-199\"}");
    assertThat(f.metric("lorafleet_server_adapter_load_seconds_count", Map.of("from", "disk")))
        .isGreaterThan(diskLoads);
  }

  private static double evictions(Fixture f, String tier) throws Exception {
    return f.metric("lorafleet_server_adapter_evictions_total", Map.of("tier", tier));
  }

  /**
   * An adapter read back from its local directory after host-tier eviction is checked against the
   * digest it was loaded with: files changed meanwhile are refused, not served under the old
   * digest.
   */
  @Test
  void filesChangedOnDiskAfterEvictionAreNotServed() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    Path dir = f.adapterDir("tamper", 4, 31, List.of("q_proj", "v_proj"));
    assertThat(f.load("tamper", dir.toString(), false).statusCode()).isEqualTo(200);
    assertThat(new Call("tamper", "hello", false, 2).run(f).status()).isEqualTo(200);
    for (int i = 0; i < 12; i++) { // more than the 8 host-tier entries
      Path other = f.adapterDir("evict-" + i, 4, 40 + i, List.of("q_proj", "v_proj"));
      assertThat(f.load("evict-" + i, other.toString(), false).statusCode()).isEqualTo(200);
      assertThat(new Call("evict-" + i, "hello", false, 2).run(f).status()).isEqualTo(200);
    }
    assertThat(f.adapters("?name=tamper").path("data").get(0).path("tier").asText())
        .isEqualTo("disk");
    Path changed = f.adapterDir("tamper-changed", 4, 32, List.of("q_proj", "v_proj"));
    java.nio.file.Files.copy(
        changed.resolve("adapter_model.safetensors"),
        dir.resolve("adapter_model.safetensors"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Call.Result r = new Call("tamper", "hello", false, 2).run(f);
    assertThat(r.status()).as(r.text()).isEqualTo(503);
    assertThat(r.text()).contains("changed since it was loaded");
    // The other test counts requests served over all registered adapters: leave none behind.
    f.unload("tamper");
    for (int i = 0; i < 12; i++) {
      f.unload("evict-" + i);
    }
  }
}
