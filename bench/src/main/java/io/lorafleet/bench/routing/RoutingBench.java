package io.lorafleet.bench.routing;

import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The router's added latency over direct calls, as ratios in one run: two packaged servers and the
 * packaged router on loopback; at each concurrency, a direct run (clients spread over the two pods
 * in turn) and a run through the router, alternated for {@code rounds}; streams of the base model,
 * timed at the client (TTFT, inter-token gaps). Bounded: at most 128 streams at once.
 *
 * <p>Run (after packaging server-image, router and bench): {@code java -cp
 * target/lorafleet-bench-0.1.0-SNAPSHOT.jar:$(cat target/classpath)
 * io.lorafleet.bench.routing.RoutingBench} from {@code bench/}.
 */
public final class RoutingBench {
  private RoutingBench() {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(System.getProperty("lorafleet.root", "..")).toAbsolutePath().normalize();
    Path root = Files.createDirectories(repo.resolve("bench/target/routing-bench"));
    // engine: two packaged servers; synthetic: two SyntheticPods (no compute), to isolate the
    // router's own cost from the CPU the engines take; both in one run: engine,synthetic
    for (String upstream : System.getProperty("lorafleet.routing.upstream", "engine").split(",")) {
      switch (upstream.trim()) {
        case "engine" -> {
          Path model = root.resolve("model");
          if (!Files.isRegularFile(model.resolve("config.json"))) {
            TestModelGenerator.write(TestModelSpec.llamaGqa(), model);
          }
          try (Processes p = new Processes(root, repo)) {
            measure(
                "engine (two packaged servers)",
                p,
                List.of(p.server(model, 0, 128), p.server(model, 1, 128)));
          }
        }
        case "synthetic" -> {
          long first = Long.getLong("lorafleet.routing.synthetic-first-ms", 10);
          long pace = Long.getLong("lorafleet.routing.synthetic-pace-ms", 10);
          try (Processes p = new Processes(root, repo);
              SyntheticPod a = new SyntheticPod(first, pace);
              SyntheticPod b = new SyntheticPod(first, pace)) {
            measure(
                "SYNTHETIC upstream (two in-bench SSE endpoints, first event after "
                    + first
                    + " ms, then one every "
                    + pace
                    + " ms; no model)",
                p,
                List.of(a.uri(), b.uri()));
          }
        }
        default ->
            throw new IllegalArgumentException(
                "lorafleet.routing.upstream: engine or synthetic, got " + upstream);
      }
    }
  }

  /** The direct and routed rounds at every concurrency against {@code pods}. */
  private static void measure(String upstream, Processes p, List<URI> pods) throws Exception {
    int rounds = Integer.getInteger("lorafleet.routing.rounds", 2);
    int maxTokens = Integer.getInteger("lorafleet.routing.max-tokens", 32);
    String levels = System.getProperty("lorafleet.routing.concurrency", "1,32,128");
    URI router = p.router(pods);
    StreamTimings.run(8, 2, maxTokens, i -> router); // warm both paths' JITs
    StreamTimings.run(8, 2, maxTokens, i -> pods.get(i % 2));
    System.out.println("upstream: " + upstream + "; load average " + loadAverage());
    System.out.println(
        "| streams | round | TTFT p50 direct / router (ms) | TTFT p99 direct / router |"
            + " ITL p50 direct / router | ITL p99 direct / router | failures |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (String level : levels.split(",")) {
      int clients = Integer.parseInt(level.trim());
      int each = Math.max(1, 64 / clients);
      for (int round = 1; round <= rounds; round++) {
        StreamTimings direct = StreamTimings.run(clients, each, maxTokens, i -> pods.get(i % 2));
        StreamTimings routed = StreamTimings.run(clients, each, maxTokens, i -> router);
        System.out.println(
            String.format(
                Locale.ROOT,
                "| %d | %d | %s | %s | %s | %s | %d / %d |",
                clients,
                round,
                pair(direct.ttft, routed.ttft, 0.5),
                pair(direct.ttft, routed.ttft, 0.99),
                pair(direct.itl, routed.itl, 0.5),
                pair(direct.itl, routed.itl, 0.99),
                direct.failures,
                routed.failures));
      }
    }
    System.out.println("load average after: " + loadAverage());
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  private static String pair(List<Long> direct, List<Long> routed, double p) {
    double d = StreamTimings.percentileMs(direct, p);
    double r = StreamTimings.percentileMs(routed, p);
    return String.format(Locale.ROOT, "%.2f / %.2f (%+.2f, x%.2f)", d, r, r - d, r / d);
  }
}
