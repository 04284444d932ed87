package io.lorafleet.server.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code serve} command line (picocli, like the trainer's and the CLI's), mapped onto the
 * configuration properties of {@link ServerConfig} before Quarkus starts. Defaults live in {@link
 * ServerConfig} only: a flag not given sets no property, so environment variables such as {@code
 * LORAFLEET_SERVER_MAX_LOADED} still apply.
 */
@Command(
    name = "serve",
    description = "Run the multi-LoRA server (OpenAI-compatible API, adapter admin API).",
    sortOptions = false)
public final class ServeCommand {
  /** A bad command line; the message says what is wrong, followed by the usage. */
  public static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private static final String PREFIX = "lorafleet.server.";

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|s3://",
      description = "Base model: a local HF directory or an s3:// published version or prefix.")
  String model;

  @Option(names = "--served-model-name", description = "Name clients use for the base model.")
  String servedModelName;

  @Option(names = "--port", description = "HTTP port (default 8000).")
  Integer port;

  @Option(names = "--host", description = "Address to listen on (default all).")
  String host;

  @Option(names = "--max-loaded", description = "Device tier: adapters active at once.")
  Integer maxLoaded;

  @Option(names = "--max-cached", description = "Host tier: parsed adapters kept in memory.")
  Integer maxCached;

  @Option(names = "--max-rank", description = "Largest LoRA rank a load accepts.")
  Integer maxRank;

  @Option(names = "--admin-token-file", description = "Bearer token of the admin API.")
  String adminTokenFile;

  @Option(names = "--inference-token-file", description = "Bearer token of the inference API.")
  String inferenceTokenFile;

  @Option(names = "--cache-dir", description = "Local cache of fetched versions by digest.")
  String cacheDir;

  @Option(names = "--precision", description = "f32 (default), as-stored or int8.")
  String precision;

  @Option(names = "--threads", description = "CPU backend threads; 0 = all processors.")
  Integer threads;

  @Option(names = "--backend", description = "auto (default), cpu, cuda or host-device.")
  String backend;

  @Option(names = "--kv-cache-tokens", description = "KV cache capacity in positions.")
  Integer kvCacheTokens;

  @Option(names = "--kv-block-size", description = "Positions per KV cache block.")
  Integer kvBlockSize;

  @Option(names = "--max-running", description = "Sequences decoded together at most.")
  Integer maxRunning;

  @Option(names = "--max-batch-tokens", description = "Prompt tokens prefilled per step.")
  Integer maxBatchTokens;

  @Option(
      names = "--max-prefill-tokens-while-decoding",
      description = "Prompt tokens admitted per step while others decode.")
  Integer maxPrefillTokensWhileDecoding;

  @Option(names = "--max-waiting", description = "Waiting requests at most; more get 429.")
  Integer maxWaiting;

  @Option(names = "--default-max-tokens", description = "max_tokens when a request has none.")
  Integer defaultMaxTokens;

  @Option(names = "--drain-timeout", description = "How long running requests may finish.")
  String drainTimeout;

  @Option(names = "--body-read-timeout", description = "How long a request body may take.")
  String bodyReadTimeout;

  @Option(
      names = "--adapter",
      paramLabel = "NAME=PATH",
      description = "Adapter loaded and pinned at start-up (repeatable).")
  List<String> adapters;

  @Option(
      names = "--require-adapter",
      paramLabel = "NAME",
      description = "Adapter that must be resident before ready (repeatable).")
  List<String> requiredAdapters;

  @Option(
      names = "--adapter-root",
      paramLabel = "DIR",
      description = "Directory the admin API may load from (repeatable).")
  List<String> adapterRoots;

  @Option(
      names = "--adapter-s3-root",
      paramLabel = "s3://",
      description = "Object-store prefix the admin API may load from (repeatable).")
  List<String> adapterS3Roots;

  private ServeCommand() {}

  public static String usage() {
    return new CommandLine(new ServeCommand()).getUsageMessage();
  }

  /**
   * Configuration properties for {@code args} ({@code serve} first is optional; {@code --flag
   * value} and {@code --flag=value} both work). Quarkus' own graceful-shutdown wait is derived from
   * the drain timeout (flag, else {@code LORAFLEET_SERVER_DRAIN_TIMEOUT}, else the default), see
   * {@link DrainDeadline}.
   */
  public static Map<String, String> properties(String... args) {
    return properties(System.getenv(), args);
  }

  /** As {@link #properties(String...)}, reading the drain timeout's variable from {@code env}. */
  public static Map<String, String> properties(Map<String, String> env, String... args) {
    ServeCommand command = new ServeCommand();
    String[] flags =
        args.length > 0 && args[0].equals("serve")
            ? Arrays.copyOfRange(args, 1, args.length)
            : args;
    try {
      // No @file expansion: an argument is what the pod spec says, nothing read from elsewhere.
      new CommandLine(command).setExpandAtFiles(false).parseArgs(flags);
    } catch (CommandLine.ParameterException e) {
      throw new UsageException(e.getMessage() + "\n" + usage());
    }
    return command.toProperties(env);
  }

  private Map<String, String> toProperties(Map<String, String> env) {
    Map<String, String> props = new LinkedHashMap<>();
    put(props, PREFIX + "model", model);
    put(props, PREFIX + "served-model-name", servedModelName);
    put(props, "quarkus.http.port", port);
    put(props, "quarkus.http.host", host);
    put(props, PREFIX + "max-loaded", maxLoaded);
    put(props, PREFIX + "max-cached", maxCached);
    put(props, PREFIX + "max-rank", maxRank);
    put(props, PREFIX + "admin-token-file", adminTokenFile);
    put(props, PREFIX + "inference-token-file", inferenceTokenFile);
    put(props, PREFIX + "cache-dir", cacheDir);
    put(props, PREFIX + "precision", precision);
    put(props, PREFIX + "threads", threads);
    put(props, PREFIX + "backend", backend);
    put(props, PREFIX + "kv-cache-tokens", kvCacheTokens);
    put(props, PREFIX + "kv-block-size", kvBlockSize);
    put(props, PREFIX + "max-running", maxRunning);
    put(props, PREFIX + "max-batch-tokens", maxBatchTokens);
    put(props, PREFIX + "max-prefill-tokens-while-decoding", maxPrefillTokensWhileDecoding);
    put(props, PREFIX + "max-waiting", maxWaiting);
    put(props, PREFIX + "default-max-tokens", defaultMaxTokens);
    put(props, PREFIX + "drain-timeout", drainTimeout);
    put(props, PREFIX + "body-read-timeout", bodyReadTimeout);
    putList(props, PREFIX + "adapters", adapters);
    putList(props, PREFIX + "required-adapters", requiredAdapters);
    putList(props, PREFIX + "adapter-roots", adapterRoots);
    putList(props, PREFIX + "adapter-s3-roots", adapterS3Roots);
    String drain = drainTimeout != null ? drainTimeout : env.get("LORAFLEET_SERVER_DRAIN_TIMEOUT");
    try {
      Duration d = drain == null ? DrainDeadline.DEFAULT : DrainDeadline.parse(drain);
      props.put("quarkus.shutdown.timeout", DrainDeadline.quarkusShutdownTimeout(d));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--drain-timeout: " + e.getMessage());
    }
    return props;
  }

  private static void put(Map<String, String> props, String key, Object value) {
    if (value != null) {
      props.put(key, value.toString());
    }
  }

  private static void putList(Map<String, String> props, String key, List<String> values) {
    if (values != null && !values.isEmpty()) {
      // Commas separate list elements in MicroProfile Config; escape them inside one value.
      props.put(key, String.join(",", values.stream().map(v -> v.replace(",", "\\,")).toList()));
    }
  }
}
