package io.lorafleet.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code serve} command line, mapped onto configuration properties before Quarkus starts:
 * {@code serve --model DIR|s3://... [--port 8000] [--max-loaded N] [--max-cached M] [--max-rank R]
 * [--admin-token-file F] [--cache-dir D] [--adapter name=path ...] [--served-model-name NAME] ...}.
 */
public final class ServeCommand {
  /** A bad command line; the message says what is wrong. */
  public static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private static final Map<String, String> SINGLE = new LinkedHashMap<>();
  private static final Map<String, String> REPEATED = new LinkedHashMap<>();

  static {
    SINGLE.put("--model", "lorafleet.server.model");
    SINGLE.put("--served-model-name", "lorafleet.server.served-model-name");
    SINGLE.put("--port", "quarkus.http.port");
    SINGLE.put("--host", "quarkus.http.host");
    SINGLE.put("--max-loaded", "lorafleet.server.max-loaded");
    SINGLE.put("--max-cached", "lorafleet.server.max-cached");
    SINGLE.put("--max-rank", "lorafleet.server.max-rank");
    SINGLE.put("--admin-token-file", "lorafleet.server.admin-token-file");
    SINGLE.put("--inference-token-file", "lorafleet.server.inference-token-file");
    SINGLE.put("--cache-dir", "lorafleet.server.cache-dir");
    SINGLE.put("--precision", "lorafleet.server.precision");
    SINGLE.put("--threads", "lorafleet.server.threads");
    SINGLE.put("--backend", "lorafleet.server.backend");
    SINGLE.put("--kv-cache-tokens", "lorafleet.server.kv-cache-tokens");
    SINGLE.put("--kv-block-size", "lorafleet.server.kv-block-size");
    SINGLE.put("--max-running", "lorafleet.server.max-running");
    SINGLE.put("--max-batch-tokens", "lorafleet.server.max-batch-tokens");
    SINGLE.put(
        "--max-prefill-tokens-while-decoding",
        "lorafleet.server.max-prefill-tokens-while-decoding");
    SINGLE.put("--max-waiting", "lorafleet.server.max-waiting");
    SINGLE.put("--default-max-tokens", "lorafleet.server.default-max-tokens");
    SINGLE.put("--drain-timeout", "lorafleet.server.drain-timeout");
    SINGLE.put("--body-read-timeout", "lorafleet.server.body-read-timeout");
    REPEATED.put("--adapter", "lorafleet.server.adapters");
    REPEATED.put("--require-adapter", "lorafleet.server.required-adapters");
    REPEATED.put("--adapter-root", "lorafleet.server.adapter-roots");
    REPEATED.put("--adapter-s3-root", "lorafleet.server.adapter-s3-roots");
  }

  private ServeCommand() {}

  public static String usage() {
    StringBuilder b = new StringBuilder("usage: serve --model DIR|s3://bucket/prefix");
    for (String flag : SINGLE.keySet()) {
      if (!flag.equals("--model")) {
        b.append(" [").append(flag).append(" VALUE]");
      }
    }
    b.append(" [--adapter name=path ...] [--require-adapter name ...]");
    return b.toString();
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
    Map<String, String> props = new LinkedHashMap<>();
    Map<String, List<String>> lists = new LinkedHashMap<>();
    int i = args.length > 0 && args[0].equals("serve") ? 1 : 0;
    for (; i < args.length; i++) {
      String arg = args[i];
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!SINGLE.containsKey(flag) && !REPEATED.containsKey(flag)) {
        throw new UsageException("unknown argument " + arg + "\n" + usage());
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException(flag + " needs a value\n" + usage());
        }
        value = args[++i];
      }
      if (SINGLE.containsKey(flag)) {
        props.put(SINGLE.get(flag), value);
      } else {
        // Commas separate list elements in MicroProfile Config; escape them inside one value.
        lists
            .computeIfAbsent(REPEATED.get(flag), k -> new ArrayList<>())
            .add(value.replace(",", "\\,"));
      }
    }
    lists.forEach((key, values) -> props.put(key, String.join(",", values)));
    if (!props.containsKey("lorafleet.server.model")) {
      throw new UsageException("--model is required\n" + usage());
    }
    String drain =
        props.getOrDefault(
            "lorafleet.server.drain-timeout", env.get("LORAFLEET_SERVER_DRAIN_TIMEOUT"));
    try {
      Duration d = drain == null ? DrainDeadline.DEFAULT : DrainDeadline.parse(drain);
      props.put("quarkus.shutdown.timeout", DrainDeadline.quarkusShutdownTimeout(d));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--drain-timeout: " + e.getMessage());
    }
    return props;
  }
}
