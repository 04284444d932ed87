package io.lorafleet.bench.serving;

import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.lora.LoraMerge;
import io.lorafleet.engine.model.GenerationRequest;
import io.lorafleet.engine.model.GenerationResult;
import io.lorafleet.engine.model.Generator;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.SamplingParams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The naive baseline: one engine thread takes every waiting request, groups them by adapter, and
 * for each group merges the adapter into a copy of the weights ({@link LoraMerge}) and generates
 * the group as one batch on the merged model. Parsed adapters are cached without limit, so the
 * baseline pays only for merging and for the smaller batches, never for disk reads. Tokens of a
 * group surface when the group ends (no streaming), so TTFT is not measured for it.
 */
final class NaiveRunner implements AutoCloseable {
  private record Pending(
      ServingWorkload.Request request, Timing timing, CompletableFuture<Void> done) {}

  private final LlamaModel model;
  private final List<Path> adapterDirs;
  private final Map<Integer, LoadedAdapter> parsed = new HashMap<>();
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final PagedKvCache cache;
  private final int maxTokens;
  private final Thread thread;
  private volatile boolean stopped;

  NaiveRunner(
      LlamaModel model, List<Path> adapterDirs, int concurrency, int positions, int maxTokens) {
    this.model = model;
    this.adapterDirs = adapterDirs;
    this.maxTokens = maxTokens;
    this.cache = model.newCache(concurrency * ((positions + 15) / 16) + 8, 16);
    this.thread = Thread.ofPlatform().name("naive-engine").start(this::loop);
  }

  CompletableFuture<Void> submit(ServingWorkload.Request r, Timing t) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    queue.add(new Pending(r, t, done));
    return done;
  }

  private void loop() {
    while (!stopped) {
      List<Pending> batch = new ArrayList<>();
      try {
        Pending first = queue.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch);
      Map<Integer, List<Pending>> groups = new LinkedHashMap<>();
      for (Pending p : batch) {
        groups.computeIfAbsent(p.request().adapter(), k -> new ArrayList<>()).add(p);
      }
      for (Map.Entry<Integer, List<Pending>> g : groups.entrySet()) {
        try {
          run(g.getKey(), g.getValue());
        } catch (RuntimeException e) {
          g.getValue().forEach(p -> p.done().completeExceptionally(e));
        }
      }
    }
  }

  private void run(int adapter, List<Pending> group) {
    LlamaModel m =
        adapter < 0
            ? model
            : model.withWeights(
                LoraMerge.mergedCopy(model.weights(), adapter(adapter), model.backend()));
    List<GenerationRequest> requests = new ArrayList<>();
    for (Pending p : group) {
      requests.add(
          new GenerationRequest(
              p.request().prompt(), -1, SamplingParams.greedy(maxTokens, Set.of())));
    }
    List<GenerationResult> results =
        new Generator(m, AdapterTable.empty(model.config().numHiddenLayers()), cache)
            .generate(requests);
    long now = System.nanoTime();
    for (int i = 0; i < group.size(); i++) {
      for (int k = 0; k < results.get(i).tokens().length; k++) {
        group.get(i).timing().token(now);
      }
      group.get(i).done().complete(null);
    }
  }

  private LoadedAdapter adapter(int i) {
    return parsed.computeIfAbsent(
        i,
        k -> {
          try {
            return LoadedAdapter.of(
                "a" + k, PeftAdapterReader.read(adapterDirs.get(k)), model.config());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.join();
  }
}
