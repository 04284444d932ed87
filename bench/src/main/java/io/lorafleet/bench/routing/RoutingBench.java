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

  /**
   * The direct and routed rounds at every concurrency against {@code pods}; with {@code
   * lorafleet.routing.baseline-router} (a quarkus-run.jar built from another commit) a second
   * router from that jar is measured in the same rounds, the two routers' order alternating; with
   * {@code lorafleet.routing.peer=nginx}, nginx as a plain reverse proxy instead ({@link
   * NginxPeer}): what a proxy that does no routing adds on the same machine.
   */
  private static void measure(String upstream, Processes p, List<URI> pods) throws Exception {
    String baselineJar = System.getProperty("lorafleet.routing.baseline-router", "").trim();
    boolean nginx = System.getProperty("lorafleet.routing.peer", "").trim().equals("nginx");
    URI router = p.router(pods);
    NginxPeer peer = nginx ? NginxPeer.start(p.root().resolve("nginx"), pods) : null;
    try {
      URI baseline =
          peer != null
              ? peer.uri()
              : baselineJar.isEmpty()
                  ? null
                  : p.router(pods, "router-baseline", Path.of(baselineJar));
      rounds(upstream, pods, router, baseline, nginx ? "nginx" : "baseline");
    } finally {
      if (peer != null) {
        peer.close();
      }
    }
  }

  /**
   * The rounds: direct and through the router, and through {@code baseline} (another router, or the
   * peer proxy, named {@code label}) when there is one, their order alternating.
   */
  private static void rounds(
      String upstream, List<URI> pods, URI router, URI baseline, String label) throws Exception {
    int rounds = Integer.getInteger("lorafleet.routing.rounds", 2);
    int maxTokens = Integer.getInteger("lorafleet.routing.max-tokens", 32);
    int warmup = Integer.getInteger("lorafleet.routing.warmup", 1024);
    String levels = System.getProperty("lorafleet.routing.concurrency", "1,32,128");
    // JIT warm-up of every path, 128 streams at once: with 16 warm-up requests the router ran its
    // first 128-stream rounds half interpreted (2-7 ms of CPU per request, against ~1 ms warm,
    // with the compiler threads taking the same cores) and that, not routing, was most of its gap
    int each = Math.max(1, warmup / 128);
    StreamTimings.run(Math.min(128, warmup), each, maxTokens, i -> router);
    if (baseline != null) {
      StreamTimings.run(Math.min(128, warmup), each, maxTokens, i -> baseline);
    }
    StreamTimings.run(Math.min(128, warmup), each, maxTokens, i -> pods.get(i % 2));
    System.out.println(
        "upstream: "
            + upstream
            + "; warm-up "
            + warmup
            + " requests per path; load average "
            + loadAverage());
    if (baseline == null) {
      System.out.println(
          "| streams | round | TTFT p50 direct / router (ms) | TTFT p99 direct / router |"
              + " ITL p50 direct / router | ITL p99 direct / router | failures |");
      System.out.println("|---|---|---|---|---|---|---|");
    } else {
      System.out.println(
          ("| streams | round | order | TTFT p50 direct / baseline / this (added) |"
                  + " TTFT p99 direct / baseline / this (added) | ITL p50 direct / baseline / this |"
                  + " ITL p99 direct / baseline / this | failures direct / baseline / this | load |")
              .replace("baseline", label));
      System.out.println("|---|---|---|---|---|---|---|---|---|");
    }
    for (String level : levels.split(",")) {
      int clients = Integer.parseInt(level.trim());
      int perClient = Math.max(1, 64 / clients);
      for (int round = 1; round <= rounds; round++) {
        StreamTimings direct =
            StreamTimings.run(clients, perClient, maxTokens, i -> pods.get(i % 2));
        if (baseline == null) {
          StreamTimings routed = StreamTimings.run(clients, perClient, maxTokens, i -> router);
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
          continue;
        }
        boolean thisFirst = round % 2 == 1;
        StreamTimings first =
            StreamTimings.run(clients, perClient, maxTokens, i -> thisFirst ? router : baseline);
        StreamTimings second =
            StreamTimings.run(clients, perClient, maxTokens, i -> thisFirst ? baseline : router);
        StreamTimings mine = thisFirst ? first : second;
        StreamTimings old = thisFirst ? second : first;
        System.out.println(
            String.format(
                Locale.ROOT,
                "| %d | %d | %s | %s | %s | %s | %s | %d / %d / %d | %s |",
                clients,
                round,
                thisFirst ? "this, " + label : label + ", this",
                triple(direct.ttft, old.ttft, mine.ttft, 0.5, true),
                triple(direct.ttft, old.ttft, mine.ttft, 0.99, true),
                triple(direct.itl, old.itl, mine.itl, 0.5, false),
                triple(direct.itl, old.itl, mine.itl, 0.99, false),
                direct.failures,
                old.failures,
                mine.failures,
                loadAverage().split(" ")[0]));
      }
    }
    System.out.println("load average after: " + loadAverage());
  }

  /** direct / baseline / this in ms, with each router's added ms when {@code added}. */
  private static String triple(
      List<Long> direct, List<Long> baseline, List<Long> mine, double p, boolean added) {
    double d = StreamTimings.percentileMs(direct, p);
    double b = StreamTimings.percentileMs(baseline, p);
    double m = StreamTimings.percentileMs(mine, p);
    return added
        ? String.format(Locale.ROOT, "%.1f / %.1f / %.1f (%+.1f, %+.1f)", d, b, m, b - d, m - d)
        : String.format(Locale.ROOT, "%.1f / %.1f / %.1f", d, b, m);
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
