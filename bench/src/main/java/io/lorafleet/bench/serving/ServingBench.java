package io.lorafleet.bench.serving;

import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whole-engine serving benchmark of issue 6: a closed loop of clients against the server's
 * continuous-batching scheduler with 1, 8, 64 and 512 registered adapters (Zipf popularity),
 * against base-only serving and against the naive merge-per-batch baseline; prints a Markdown
 * report with throughput ratios. Properties ({@code -Dlorafleet.serving.*}): {@code requests}
 * (128), {@code concurrency} (32), {@code prompt} (16 tokens), {@code tokens} (32 per request),
 * {@code adapters} (1,8,64,512), {@code naive} (8,64), {@code rounds} (2), {@code report} (a file
 * to write).
 */
public final class ServingBench {
  private ServingBench() {}

  public static void main(String[] args) throws Exception {
    int requests = Integer.getInteger("lorafleet.serving.requests", 128);
    int concurrency = Integer.getInteger("lorafleet.serving.concurrency", 32);
    int prompt = Integer.getInteger("lorafleet.serving.prompt", 16);
    int tokens = Integer.getInteger("lorafleet.serving.tokens", 32);
    int rounds = Integer.getInteger("lorafleet.serving.rounds", 2);
    int[] adapterCounts = ints(System.getProperty("lorafleet.serving.adapters", "1,8,64,512"));
    int[] naiveCounts = ints(System.getProperty("lorafleet.serving.naive", "8,64"));
    int maxAdapters =
        Math.max(
            Arrays.stream(adapterCounts).max().orElse(0),
            Arrays.stream(naiveCounts).max().orElse(0));

    Path modelDir = ServingData.model();
    List<Path> adapters = ServingData.adapters(modelDir, Math.max(8, maxAdapters));
    int threads = Integer.getInteger("lorafleet.serving.threads", 0);
    CpuBackend backend = threads > 0 ? new CpuBackend(threads) : new CpuBackend();
    LlamaModel model = LlamaModel.load(modelDir, WeightPrecision.F32, backend);
    int vocab = model.config().vocabSize();
    int positions = prompt + tokens;

    System.out.printf(
        Locale.ROOT,
        "model: %d layers, hidden %d, %.1fM params; %s; %d requests x (%d prompt + %d generated) tokens, %d concurrent clients%n",
        model.config().numHiddenLayers(),
        model.config().hiddenSize(),
        model.config().parameterCount() / 1e6,
        backend.name(),
        requests,
        prompt,
        tokens,
        concurrency);

    // Warm-up: JIT the forward path, both base and adapter rows.
    runScheduler(
        "warm-up",
        model,
        adapters.subList(0, 8),
        ServingWorkload.of(64, 8, prompt, tokens, vocab, 1),
        concurrency,
        positions);

    // Paired runs: each configuration right after its own base-only run (and the naive baseline
    // right after ours on the same workload), so load from other processes on this shared machine
    // hits both sides of a ratio alike.
    Map<String, List<RunStats>> results = new LinkedHashMap<>();
    Map<String, List<Double>> vsBase = new LinkedHashMap<>();
    Map<String, List<Double>> vsNaive = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (int n : adapterCounts) {
        RunStats base =
            runScheduler(
                "base only",
                model,
                List.of(),
                ServingWorkload.of(requests, 0, prompt, tokens, vocab, 10 + round),
                concurrency,
                positions);
        record("base only", results, base);
        ServingWorkload w = ServingWorkload.of(requests, n, prompt, tokens, vocab, 20 + round);
        String key = n + " adapters";
        RunStats ours =
            runScheduler(
                key + " (" + w.distinctAdapters() + " used)",
                model,
                adapters.subList(0, n),
                w,
                concurrency,
                positions);
        record(key, results, ours);
        vsBase
            .computeIfAbsent(key, k -> new ArrayList<>())
            .add(ours.tokensPerSecond() / base.tokensPerSecond());
        if (Arrays.stream(naiveCounts).anyMatch(c -> c == n)) {
          RunStats naive =
              runNaive(
                  "naive merge, " + key + " (" + w.distinctAdapters() + " used)",
                  model,
                  adapters.subList(0, n),
                  w,
                  concurrency,
                  positions,
                  tokens);
          record("naive, " + key, results, naive);
          vsBase
              .computeIfAbsent("naive, " + key, k -> new ArrayList<>())
              .add(naive.tokensPerSecond() / base.tokensPerSecond());
          vsNaive
              .computeIfAbsent(key, k -> new ArrayList<>())
              .add(ours.tokensPerSecond() / naive.tokensPerSecond());
        }
      }
    }

    StringBuilder report = new StringBuilder();
    report.append(RunStats.header()).append('\n');
    results.values().forEach(list -> list.forEach(s -> report.append(s.row()).append('\n')));
    report
        .append("\nMedians over ")
        .append(rounds)
        .append(" rounds; ratios are medians of paired runs:\n\n");
    report.append(
        "| configuration | tokens/s | vs base only (paired) | ours vs naive (paired) |\n|---|---|---|---|\n");
    for (Map.Entry<String, List<RunStats>> e : results.entrySet()) {
      String key = e.getKey();
      report.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %s | %s |%n",
              key,
              median(e.getValue().stream().mapToDouble(RunStats::tokensPerSecond).toArray()),
              vsBase.containsKey(key)
                  ? String.format(Locale.ROOT, "%.0f%%", 100 * median(vsBase.get(key)))
                  : "",
              vsNaive.containsKey(key)
                  ? String.format(Locale.ROOT, "%.2fx", median(vsNaive.get(key)))
                  : ""));
    }
    System.out.println(report);
    String file = System.getProperty("lorafleet.serving.report");
    if (file != null) {
      Files.writeString(Path.of(file), report.toString());
    }
    System.exit(0);
  }

  private static RunStats runScheduler(
      String name,
      LlamaModel model,
      List<Path> adapters,
      ServingWorkload w,
      int concurrency,
      int positions)
      throws Exception {
    try (SchedulerRunner r =
        new SchedulerRunner(model, adapters, 64, 128, concurrency, positions)) {
      long start = System.nanoTime();
      var timings = ClosedLoop.run(w, concurrency, (req, t) -> r.submit(req, t, w.maxTokens()));
      RunStats s = RunStats.of(name, timings, start, System.nanoTime(), true);
      System.out.println(s.row());
      return s;
    }
  }

  private static RunStats runNaive(
      String name,
      LlamaModel model,
      List<Path> adapters,
      ServingWorkload w,
      int concurrency,
      int positions,
      int tokens)
      throws Exception {
    try (NaiveRunner r = new NaiveRunner(model, adapters, concurrency, positions, tokens)) {
      long start = System.nanoTime();
      var timings = ClosedLoop.run(w, concurrency, r::submit);
      RunStats s = RunStats.of(name, timings, start, System.nanoTime(), false);
      System.out.println(s.row());
      return s;
    }
  }

  private static void record(String key, Map<String, List<RunStats>> results, RunStats s) {
    results.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
  }

  private static double median(List<Double> values) {
    return median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static int[] ints(String csv) {
    return csv.isBlank()
        ? new int[0]
        : Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
  }
}
