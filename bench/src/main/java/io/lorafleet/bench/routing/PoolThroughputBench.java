package io.lorafleet.bench.routing;

import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Pool throughput with many adapters (issue 18): {@code pods} packaged servers with {@code slots}
 * device slots each, every adapter registered on every pod (loaded on demand), and the packaged
 * router in front, all on loopback. One seeded Zipf sequence of requests over the adapters is
 * replayed by three arms, interleaved and repeated: through the router; straight to the pods in
 * turn (round-robin, each pod loading lazily what it is asked for); straight to a seeded random
 * pod. Before every arm each pod's adapters are unregistered and registered again, so every arm
 * starts with nothing loaded on JVMs that are already warm. Cold loads are the pods' own counters.
 *
 * <p>Run from {@code bench/} after packaging server-image, router and bench (see bench/routing.md).
 */
public final class PoolThroughputBench {
  private PoolThroughputBench() {}

  private record Arm(String name, IntFunction<URI> target) {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(System.getProperty("lorafleet.root", "..")).toAbsolutePath().normalize();
    int podCount = Integer.getInteger("lorafleet.pool.pods", 4);
    int slots = Integer.getInteger("lorafleet.pool.slots", 16);
    int adapterCount = Integer.getInteger("lorafleet.pool.adapters", 200);
    double exponent = Double.parseDouble(System.getProperty("lorafleet.pool.zipf", "1.0"));
    int requests = Integer.getInteger("lorafleet.pool.requests", 1000);
    int clients = Integer.getInteger("lorafleet.pool.clients", 64);
    int maxTokens = Integer.getInteger("lorafleet.pool.max-tokens", 16);
    int repeats = Integer.getInteger("lorafleet.pool.repeats", 3);
    long seed = Long.getLong("lorafleet.pool.seed", 18);

    Path root = Files.createDirectories(repo.resolve("bench/target/pool-bench"));
    Path model = root.resolve("model");
    if (!Files.isRegularFile(model.resolve("config.json"))) {
      TestModelGenerator.write(TestModelSpec.llamaGqa(), model);
    }
    Path adminToken = Files.writeString(root.resolve("admin-token"), AdapterPool.ADMIN_TOKEN);
    AdapterPool adapters = AdapterPool.create(root.resolve("adapters"), model, adapterCount);
    int[] sequence = ZipfSequence.of(adapterCount, exponent, requests, seed);
    int[] randomPods = new Random(seed + 1).ints(requests, 0, podCount).toArray();
    IntFunction<String> models = i -> adapters.names.get(sequence[i]);
    System.out.printf(
        Locale.ROOT,
        "%d pods x %d device slots, %d adapters (Zipf %.2f, seed %d): %d distinct in %d requests,"
            + " %d clients, %d tokens each%n",
        podCount,
        slots,
        adapterCount,
        exponent,
        seed,
        java.util.Arrays.stream(sequence).distinct().count(),
        requests,
        clients,
        maxTokens);

    try (Processes p = new Processes(root, repo)) {
      List<URI> pods = new ArrayList<>();
      for (int i = 0; i < podCount; i++) {
        pods.add(
            p.server(
                model,
                i,
                List.of(
                    "--max-loaded",
                    Integer.toString(slots),
                    "--admin-token-file",
                    adminToken.toString(),
                    "--adapter-root",
                    adapters.root.toString())));
        adapters.registerAll(pods.get(i));
      }
      URI router = p.router(pods);
      List<Arm> arms =
          List.of(
              new Arm("router", i -> router),
              new Arm("round-robin", i -> pods.get(i % podCount)),
              new Arm("random", i -> pods.get(randomPods[i])));
      // Warm-up, not reported: every arm once over a sequence of the same size (another seed), so
      // the pods' and the router's JITs are warm before the first measured arm (a 96-request
      // warm-up left every arm of the first repeat up to 2x slower than in the third).
      int[] warm = ZipfSequence.of(adapterCount, exponent, requests, seed + 2);
      for (Arm arm : arms) {
        for (URI pod : pods) {
          adapters.reset(pod);
        }
        awaitColdView(router, podCount, adapterCount);
        ThroughputRun w =
            ThroughputRun.run(
                requests, clients, maxTokens, i -> adapters.names.get(warm[i]), arm.target());
        System.out.printf(
            Locale.ROOT,
            "warm-up %s: %.0f tokens/s, %d failures%n",
            arm.name(),
            w.tokensPerSecond(),
            w.failures.get());
      }
      System.out.println(
          "| repeat | arm | load before | tokens/s | tokens | wall s | cold loads | disk reloads |"
              + " device evictions | TTFT p50 ms | TTFT p99 ms | failures | requests per pod | router routes"
              + " (resident / cold / spread) |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
      List<Row> rows = new ArrayList<>();
      for (int r = 1; r <= repeats; r++) {
        // the order turns each repeat (router, RR, random; RR, random, router; ...), so no arm
        // always runs first after the warm-up or last on a machine that grows busier
        for (int a = 0; a < arms.size(); a++) {
          Arm arm = arms.get((a + r - 1) % arms.size());
          for (URI pod : pods) {
            adapters.reset(pod);
          }
          awaitColdView(router, podCount, adapterCount);
          List<String> podsBefore = metrics(pods);
          PodLoads before = PodLoads.pool(podsBefore);
          String routerBefore = AdapterPool.get(router.resolve("/metrics"));
          String load = loadAverage();
          ThroughputRun run = ThroughputRun.run(requests, clients, maxTokens, models, arm.target());
          List<String> podsAfter = metrics(pods);
          PodLoads loads = PodLoads.pool(podsAfter).since(before);
          String routerAfter = AdapterPool.get(router.resolve("/metrics"));
          Row row = new Row(r, arm.name(), run, loads);
          rows.add(row);
          System.out.printf(
              Locale.ROOT,
              "| %d | %s | %s | %.0f | %d | %.1f | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %s | %s |%n",
              r,
              arm.name(),
              load,
              run.tokensPerSecond(),
              run.tokens.get(),
              run.wallNanos / 1e9,
              loads.cold(),
              loads.diskReloads(),
              loads.deviceEvictions(),
              StreamTimings.percentileMs(run.ttft, 0.5),
              StreamTimings.percentileMs(run.ttft, 0.99),
              run.failures.get(),
              requestsPerPod(podsBefore, podsAfter),
              arm.name().equals("router") ? routes(routerBefore, routerAfter) : "");
          run.failureSamples.forEach(f -> System.out.println("  failed: " + f));
        }
      }
      System.out.println("load after: " + loadAverage());
      System.out.println();
      System.out.println(
          "| repeat | tokens/s router / RR | router / random | cold loads RR / router |"
              + " random / router | device evictions RR / router | random / router |"
              + " TTFT p99 router / RR | router / random |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
      for (int r = 1; r <= repeats; r++) {
        Row router1 = find(rows, r, "router");
        Row rr = find(rows, r, "round-robin");
        Row random = find(rows, r, "random");
        System.out.printf(
            Locale.ROOT,
            "| %d | x%.2f | x%.2f | x%.2f | x%.2f | x%.2f | x%.2f | x%.2f | x%.2f |%n",
            r,
            router1.run.tokensPerSecond() / rr.run.tokensPerSecond(),
            router1.run.tokensPerSecond() / random.run.tokensPerSecond(),
            rr.loads.cold() / router1.loads.cold(),
            random.loads.cold() / router1.loads.cold(),
            rr.loads.deviceEvictions() / router1.loads.deviceEvictions(),
            random.loads.deviceEvictions() / router1.loads.deviceEvictions(),
            p99(router1) / p99(rr),
            p99(router1) / p99(random));
      }
    }
  }

  private record Row(int repeat, String arm, ThroughputRun run, PodLoads loads) {}

  private static Row find(List<Row> rows, int repeat, String arm) {
    return rows.stream()
        .filter(x -> x.repeat() == repeat && x.arm().equals(arm))
        .findFirst()
        .orElseThrow();
  }

  private static double p99(Row row) {
    return StreamTimings.percentileMs(row.run.ttft, 0.99);
  }

  private static List<String> metrics(List<URI> pods) throws Exception {
    List<String> out = new ArrayList<>();
    for (URI pod : pods) {
      out.add(AdapterPool.get(pod.resolve("/metrics")));
    }
    return out;
  }

  /** Requests each pod finished during the run, from its own counters, in pod order. */
  private static String requestsPerPod(List<String> before, List<String> after) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < before.size(); i++) {
      double d =
          PrometheusText.sum(after.get(i), "lorafleet_server_requests_total", Map.of())
              - PrometheusText.sum(before.get(i), "lorafleet_server_requests_total", Map.of());
      s.append(s.isEmpty() ? "" : " / ").append(String.format(Locale.ROOT, "%.0f", d));
    }
    return s.toString();
  }

  /** The router's own placement outcomes during the run (ok requests by route). */
  private static String routes(String before, String after) {
    StringBuilder s = new StringBuilder();
    for (String route : List.of("resident", "cold", "spread")) {
      Map<String, String> labels = Map.of("route", route);
      double d =
          PrometheusText.sum(after, "lorafleet_router_requests_total", labels)
              - PrometheusText.sum(before, "lorafleet_router_requests_total", labels);
      s.append(s.isEmpty() ? "" : " / ").append(String.format(Locale.ROOT, "%.0f", d));
    }
    return s.toString();
  }

  private static void awaitColdView(URI router, int pods, int adapters) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!AdapterPool.routerSeesColdPool(router, pods, adapters)) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("the router did not see the reset pool within 30 s");
      }
      Thread.sleep(100);
    }
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1];
    } catch (Exception e) {
      return "?";
    }
  }
}
