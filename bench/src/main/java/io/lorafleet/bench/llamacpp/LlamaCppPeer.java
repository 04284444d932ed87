package io.lorafleet.bench.llamacpp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp through {@code bench/llamacpp/peer.mjs} (node-llama-cpp 3.21.1 and its prebuilt CPU
 * binaries, installed by {@code bench/llamacpp/install.sh}): one bounded node process per request.
 */
public final class LlamaCppPeer {
  private static final Pattern NUMBER = Pattern.compile("\"%s\":([-0-9.eE+]+)");
  private final Path dir;
  private final long timeoutSeconds;

  public LlamaCppPeer(Path dir, long timeoutSeconds) {
    this.dir = dir.toAbsolutePath();
    this.timeoutSeconds = timeoutSeconds;
  }

  /** {@code -Dlorafleet.llamacpp.dir}, default {@code llamacpp} (run from bench/). */
  public static LlamaCppPeer fromProperties() {
    return new LlamaCppPeer(Path.of(System.getProperty("lorafleet.llamacpp.dir", "llamacpp")), 600);
  }

  /** Why the peer cannot run here, or null when it can. */
  public String unavailableReason() {
    if (!Files.isRegularFile(dir.resolve("peer.mjs"))) {
      return "no peer.mjs in " + dir;
    }
    if (!Files.isDirectory(dir.resolve("node_modules/@node-llama-cpp/linux-x64/bins"))) {
      return "node-llama-cpp is not installed: run " + dir.resolve("install.sh");
    }
    return null;
  }

  /** The greedy next token after every position of {@code tokens}, teacher-forced. */
  public int[] topTokens(Path gguf, int threads, int[] tokens) throws IOException {
    return topTokens(gguf, null, threads, tokens);
  }

  /** As {@link #topTokens(Path, int, int[])} with a GGUF LoRA adapter (scale 1), or null. */
  public int[] topTokens(Path gguf, Path lora, int threads, int[] tokens) throws IOException {
    String req = request(gguf, threads, "agree", tokens, 1, 0, 0, 0);
    if (lora != null) {
      req = req.substring(0, req.length() - 1) + ",\"lora\":\"" + escape(lora) + "\"}";
    }
    return ints(call(req), "top");
  }

  private static String escape(Path p) {
    return p.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** {@code batch} greedy streams over {@code steps} steps, timed after a warm-up window. */
  DecodeWindow decodeWindow(
      Path gguf, int threads, int[] tokens, int batch, int prompt, int steps, int warmupSteps)
      throws IOException {
    String answer =
        call(request(gguf, threads, "decode", tokens, batch, prompt, steps, warmupSteps));
    return new DecodeWindow(
        number(answer, "tokensPerSecond"),
        number(answer, "cpuSeconds") * 1000 / ((double) batch * steps));
  }

  private static String request(
      Path gguf,
      int threads,
      String mode,
      int[] tokens,
      int batch,
      int prompt,
      int steps,
      int warmupSteps) {
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < tokens.length; i++) {
      t.append(i == 0 ? "" : ",").append(tokens[i]);
    }
    return String.format(
        Locale.ROOT,
        "{\"model\":\"%s\",\"threads\":%d,\"mode\":\"%s\",\"tokens\":[%s],\"batch\":%d,"
            + "\"prompt\":%d,\"steps\":%d,\"warmupSteps\":%d,\"contextSize\":%d}",
        escape(gguf),
        threads,
        mode,
        t,
        batch,
        prompt,
        steps,
        warmupSteps,
        Math.max(256, tokens.length + steps + warmupSteps + 16));
  }

  private String call(String request) throws IOException {
    String why = unavailableReason();
    if (why != null) {
      throw new IOException(why);
    }
    Path req = Files.createTempFile("llamacpp-request", ".json");
    Path out = Files.createTempFile("llamacpp-answer", ".json");
    Path err = Files.createTempFile("llamacpp-stderr", ".txt");
    try {
      Files.writeString(req, request);
      Process p =
          new ProcessBuilder("node", dir.resolve("peer.mjs").toString(), req.toString())
              .directory(dir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
        throw new IOException("llama.cpp peer ran past " + timeoutSeconds + " s");
      }
      String answer = Files.readString(out, StandardCharsets.UTF_8).trim();
      if (p.exitValue() != 0 || answer.isEmpty()) {
        throw new IOException(
            "llama.cpp peer exited "
                + p.exitValue()
                + ": "
                + tail(Files.readString(err, StandardCharsets.UTF_8)));
      }
      return answer;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for the llama.cpp peer", e);
    } finally {
      Files.deleteIfExists(req);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String tail(String s) {
    return s.length() <= 2000 ? s : s.substring(s.length() - 2000);
  }

  static double number(String json, String key) throws IOException {
    Matcher m = Pattern.compile(String.format(NUMBER.pattern(), key)).matcher(json);
    if (!m.find()) {
      throw new IOException("no " + key + " in the peer's answer: " + tail(json));
    }
    return Double.parseDouble(m.group(1));
  }

  static int[] ints(String json, String key) throws IOException {
    Matcher m = Pattern.compile("\"" + key + "\":\\[([-0-9,]*)\\]").matcher(json);
    if (!m.find()) {
      throw new IOException("no " + key + " in the peer's answer: " + tail(json));
    }
    List<Integer> out = new ArrayList<>();
    for (String s : m.group(1).split(",")) {
      if (!s.isEmpty()) {
        out.add(Integer.parseInt(s));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
