package io.lorafleet.server.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the server is told at start-up ({@code lorafleet.server.*}; the {@code serve} flags of
 * {@link ServeCommand} map onto these, and environment variables such as {@code
 * LORAFLEET_SERVER_MAX_LOADED} work as usual for Quarkus).
 */
@ConfigMapping(prefix = "lorafleet.server")
public interface ServerConfig {

  /** Base model: a local HF directory or an {@code s3://} URI of a published version or prefix. */
  String model();

  /** Name clients use for the base model; default: derived from the model path. */
  Optional<String> servedModelName();

  /** Device tier: adapters in the active adapter table at once (distinct adapters per batch). */
  @WithDefault("8")
  int maxLoaded();

  /** Host tier: parsed adapters kept in memory (LRU; pinned and active ones always stay). */
  @WithDefault("32")
  int maxCached();

  /** Largest LoRA rank a load accepts (RankTooLarge above). */
  @WithDefault("64")
  int maxRank();

  /** File holding the bearer token of the admin API; without it the admin API answers 401. */
  Optional<Path> adminTokenFile();

  /**
   * File holding the bearer token of the inference API ({@code /v1/completions}, {@code
   * /v1/chat/completions}, {@code /v1/models}); without it the inference API is open.
   */
  Optional<Path> inferenceTokenFile();

  /**
   * Directories under which the admin API may load local adapter directories; none: the admin API
   * loads only {@code s3://} versions (start-up {@code --adapter} paths are not restricted).
   */
  Optional<List<Path>> adapterRoots();

  /**
   * {@code s3://bucket[/prefix]} under which the admin API may load object-store versions; none:
   * any version the pod's credentials can read (the operator sets them on its builtin pods).
   */
  Optional<List<String>> adapterS3Roots();

  /** Local cache: fetched model and adapter versions by digest. */
  @WithDefault("${java.io.tmpdir}/lorafleet-cache")
  Path cacheDir();

  /** Adapters loaded (and pinned) at start-up, as {@code name=path}. */
  Optional<List<String>> adapters();

  /**
   * Adapter names that must be resident (device or host tier) before /health/ready reports UP; an
   * adapter loaded under one of these names is pinned, so it stays resident.
   */
  Optional<List<String>> requiredAdapters();

  /**
   * Weight precision: {@code F32} (default), {@code AS_STORED} (keeps bf16 weights) or {@code INT8}
   * (Q8_0 blocks quantized at load, CPU backend); any case, {@code -} for {@code _}.
   */
  @WithDefault("F32")
  String precision();

  /**
   * The compute backend: {@code auto} (CUDA when a usable GPU is found, else CPU), {@code cpu},
   * {@code cuda} or {@code host-device} (the CUDA kernels compiled for the host, for tests).
   */
  @WithDefault("auto")
  String backend();

  /** Engine threads for the CPU backend; 0 = all available processors. */
  @WithDefault("0")
  int threads();

  /** KV cache capacity in token positions (shared by all running sequences). */
  @WithDefault("16384")
  int kvCacheTokens();

  /** Positions per KV cache block. */
  @WithDefault("16")
  int kvBlockSize();

  /** Sequences decoded together at most. */
  @WithDefault("64")
  int maxRunning();

  /** Prompt tokens prefilled in one engine step at most (a longer single prompt runs alone). */
  @WithDefault("2048")
  int maxBatchTokens();

  /**
   * Prompt tokens admitted in one engine step while other sequences decode (at least one request is
   * always admitted); 0: only max-batch-tokens. Bounds the stall a prefill adds to running streams.
   */
  @WithDefault("32")
  int maxPrefillTokensWhileDecoding();

  /** Requests waiting for admission at most; more are refused with 429. */
  @WithDefault("256")
  int maxWaiting();

  /** Default {@code max_tokens} when a request gives none. */
  @WithDefault("256")
  int defaultMaxTokens();

  /**
   * How long a request body may take to arrive, whole (408 after it). Bodies are read on the event
   * loop, so a slow client holds no worker thread meanwhile.
   */
  @WithDefault("10s")
  Duration bodyReadTimeout();

  /**
   * How long after SIGTERM running requests may finish; what is left then is cut ({@link
   * DrainDeadline}). 25 s + 2 s to write the cut answers fits Kubernetes' default 30 s grace.
   */
  @WithDefault("25s")
  Duration drainTimeout();
}
