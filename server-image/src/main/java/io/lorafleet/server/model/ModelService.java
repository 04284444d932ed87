package io.lorafleet.server.model;

import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.backend.BackendChoice;
import io.lorafleet.engine.backend.BackendOptions;
import io.lorafleet.engine.backend.Backends;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.ModelFetcher;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import io.lorafleet.server.config.ServerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Loads the base model once, off the start-up thread (large models take a while; liveness answers
 * meanwhile and readiness waits for it), from a local directory or by digest from object storage
 * into the cache directory.
 */
@ApplicationScoped
public class ModelService {
  private static final Logger LOG = Logger.getLogger(ModelService.class);

  private final ServerConfig config;
  private final ObjectStorage storage;
  private final MeterRegistry registry;
  private final CompletableFuture<BaseModel> loaded = new CompletableFuture<>();

  ModelService(ServerConfig config, ObjectStorage storage, MeterRegistry registry) {
    this.config = config;
    this.storage = storage;
    this.registry = registry;
  }

  /** Starts loading in a background thread; {@link #future()} completes when done. */
  public void startLoading() {
    Thread.ofPlatform()
        .name("lorafleet-model-load")
        .start(
            () -> {
              try {
                loaded.complete(load());
              } catch (Exception | LinkageError e) {
                LOG.errorf(e, "base model %s could not be loaded", config.model());
                loaded.completeExceptionally(e);
              }
            });
  }

  public CompletableFuture<BaseModel> future() {
    return loaded;
  }

  /** The model, or null while it is loading (or failed). */
  public BaseModel current() {
    return loaded.isDone() && !loaded.isCompletedExceptionally() ? loaded.join() : null;
  }

  public BaseModel await(Duration timeout) throws TimeoutException, InterruptedException {
    try {
      return loaded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("base model failed to load", e.getCause());
    }
  }

  private BaseModel load() throws IOException {
    long start = System.nanoTime();
    String source = config.model();
    Path dir;
    if (S3Uri.isS3(source)) {
      dir =
          new ModelFetcher(storage.store(), config.cacheDir().resolve("models"))
              .fetchModel(S3Uri.parse(source))
              .dir();
    } else {
      dir = Path.of(source).toAbsolutePath();
      if (!Files.isDirectory(dir)) {
        throw new IOException("--model " + source + " is not a directory");
      }
    }
    BackendChoice backend = Backends.select(config.backend(), new BackendOptions(config.threads()));
    exposeBackend(backend);
    WeightPrecision precision = WeightPrecision.parse(config.precision());
    if (precision == WeightPrecision.INT8 && !backend.provider().equals("cpu")) {
      // The device kernels take fp32/bf16 weights only.
      throw new IllegalArgumentException(
          "--precision int8 runs on the cpu backend only, not on " + backend.provider());
    }
    LlamaModel model = LlamaModel.load(dir, precision, backend.backend());
    HfTokenizer tokenizer = HfTokenizer.load(dir);
    ChatTemplate template = null;
    try {
      template = ChatTemplate.load(dir);
    } catch (IOException e) {
      LOG.warnf("no chat template (%s): /v1/chat/completions will answer 400", e.getMessage());
    }
    String name = config.servedModelName().orElse(ModelNames.derive(source));
    BaseModel base =
        new BaseModel(
            name,
            dir,
            source,
            model,
            tokenizer,
            template,
            EosTokens.of(dir, tokenizer),
            System.currentTimeMillis() / 1000,
            TokenLengths.longestPiece(dir));
    LOG.infof(
        "base model %s loaded from %s in %.1f s: %s, %d layers, hidden %d, vocab %d, %s backend",
        name,
        source,
        (System.nanoTime() - start) / 1e9,
        model.config().architecture(),
        model.config().numHiddenLayers(),
        model.config().hiddenSize(),
        model.config().vocabSize(),
        backend.backend().name());
    return base;
  }

  /** {@code lorafleet_server_backend{provider, requested, reason} 1}: which backend and why. */
  private void exposeBackend(BackendChoice c) {
    Gauge.builder("lorafleet.server.backend", () -> 1)
        .description("The compute backend this server runs on, what was requested and why")
        .tags("provider", c.provider(), "requested", c.requested(), "reason", c.reason())
        .register(registry);
  }
}
