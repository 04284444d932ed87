package io.lorafleet.bench.serving;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.model.GenerationResult.FinishReason;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.residency.DeviceSlots;
import io.lorafleet.server.residency.HostCache;
import io.lorafleet.server.scheduling.RequestFailure;
import io.lorafleet.server.scheduling.Scheduler;
import io.lorafleet.server.scheduling.SchedulerLimits;
import io.lorafleet.server.scheduling.Sequence;
import io.lorafleet.server.scheduling.TokenSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The server's own engine path (continuous batching scheduler, device and host adapter tiers,
 * adapters read from disk on demand) without HTTP in front of it.
 */
final class SchedulerRunner implements AutoCloseable {
  private final Scheduler scheduler;
  private final List<AdapterVersion> versions = new ArrayList<>();

  SchedulerRunner(
      LlamaModel model,
      List<Path> adapterDirs,
      int maxLoaded,
      int maxCached,
      int concurrency,
      int positionsPerRequest) {
    ServerMetrics metrics = new ServerMetrics(new SimpleMeterRegistry());
    for (int i = 0; i < adapterDirs.size(); i++) {
      String name = "a" + i;
      // the real digest: a host-tier refill re-verifies the directory against it
      String digest = digestOf(adapterDirs.get(i));
      versions.add(
          new AdapterVersion(
              AdapterVersion.newKey(name, digest),
              name,
              digest,
              adapterDirs.get(i).toString(),
              adapterDirs.get(i),
              0,
              false,
              null)); // not loaded through the admin API: no load probe ran
    }
    int blockSize = 16;
    int blocks = concurrency * ((positionsPerRequest + blockSize - 1) / blockSize) + 8;
    scheduler =
        new Scheduler(
            model,
            model.newCache(blocks, blockSize),
            new DeviceSlots(model.config().numHiddenLayers(), maxLoaded, metrics),
            new HostCache(maxCached, metrics),
            metrics,
            new SchedulerLimits(
                concurrency,
                4096,
                100_000,
                Integer.getInteger(
                    "lorafleet.serving.prefill-while-decoding",
                    SchedulerLimits.DEFAULT_PREFILL_WHILE_DECODING)));
    scheduler.start();
  }

  CompletableFuture<Void> submit(ServingWorkload.Request r, Timing t, int maxTokens) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    TokenSink sink =
        new TokenSink() {
          @Override
          public boolean onToken(int token) {
            t.token(System.nanoTime());
            return true;
          }

          @Override
          public void onFinish(FinishReason reason, int promptTokens, int completionTokens) {
            done.complete(null);
          }

          @Override
          public void onError(RequestFailure failure) {
            done.completeExceptionally(new IllegalStateException(failure.message()));
          }
        };
    AdapterVersion v = r.adapter() < 0 ? null : versions.get(r.adapter());
    try {
      scheduler.submit(
          new Sequence(
              v == null ? "base" : v.name(),
              r.prompt(),
              SamplingParams.greedy(maxTokens, Set.of()),
              v,
              sink,
              0));
    } catch (RequestFailure.Rejected e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  private static String digestOf(Path dir) {
    try {
      return Sha256.hex(ArtifactStore.manifestOf(dir, Map.of()).toBytes());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    scheduler.close();
  }
}
