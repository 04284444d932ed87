package io.lorafleet.server.scheduling;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.model.GenerationResult.FinishReason;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.residency.AdapterReader;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.residency.DeviceSlots;
import io.lorafleet.server.residency.HostCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/** The server's scheduler on the tiny test model, without HTTP: for step-level engine tests. */
final class EngineFixture implements AutoCloseable {
  final LlamaModel model;
  final ModelConfig config;
  final Scheduler scheduler;
  private final Path root;

  EngineFixture(Path root, SchedulerLimits limits, AdapterReader reader) throws IOException {
    this.root = root;
    Path dir = TestModelGenerator.write(TestModelSpec.llamaGqa(), root.resolve("model"));
    this.config = ModelLoader.config(dir);
    this.model = LlamaModel.load(dir, WeightPrecision.F32, new CpuBackend(1));
    ServerMetrics metrics = new ServerMetrics(new SimpleMeterRegistry());
    this.scheduler =
        new Scheduler(
            model,
            model.newCache(64, 16),
            new DeviceSlots(config.numHiddenLayers(), 4, metrics),
            new HostCache(8, metrics, () -> {}, reader),
            metrics,
            limits);
    scheduler.start();
  }

  /** A generated adapter on disk, as a version the scheduler loads on first use. */
  AdapterVersion adapter(String name, long seed) throws IOException {
    Path dir = root.resolve("adapters").resolve(name);
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(8, 16, List.of("q_proj", "v_proj"), seed), config, dir);
    String digest = Sha256.hex(ArtifactStore.manifestOf(dir, Map.of()).toBytes());
    return new AdapterVersion(
        AdapterVersion.newKey(name, digest), name, digest, dir.toString(), dir, 8, false, null);
  }

  /** A greedy stream: its tokens in order, each also told to {@code onToken}. */
  Stream submit(AdapterVersion v, int[] prompt, int maxTokens, IntConsumer onToken)
      throws RequestFailure.Rejected {
    Stream s = new Stream();
    TokenSink sink =
        new TokenSink() {
          @Override
          public boolean onToken(int token) {
            s.tokens.add(token);
            onToken.accept(token);
            return true;
          }

          @Override
          public void onFinish(FinishReason reason, int promptTokens, int completionTokens) {
            s.done.complete(List.copyOf(s.tokens));
          }

          @Override
          public void onError(RequestFailure failure) {
            s.done.completeExceptionally(new IllegalStateException(failure.message()));
          }
        };
    scheduler.submit(
        new Sequence(
            v == null ? "base" : v.name(),
            prompt,
            SamplingParams.greedy(maxTokens, Set.of()),
            v,
            sink,
            0));
    return s;
  }

  static final class Stream {
    final List<Integer> tokens = new CopyOnWriteArrayList<>();
    final CompletableFuture<List<Integer>> done = new CompletableFuture<>();
  }

  @Override
  public void close() {
    scheduler.close();
  }
}
