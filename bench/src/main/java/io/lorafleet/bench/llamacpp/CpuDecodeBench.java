package io.lorafleet.bench.llamacpp;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.bench.BenchData;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Ours against llama.cpp on the same SmolLM2-135M-shaped weights (bench/cpu-decode.md): for each
 * precision the GGUF is written from the weights the engine holds, a teacher-forced agreement check
 * runs first (both engines' top token per position, printed; a run with less than {@code
 * lorafleet.cpudecode.minAgree} agreement stops there), then timed windows alternate ours, theirs,
 * ours, ... so both see the same machine load; ratios are per pair, reported as median and range.
 * Each window also reports its process's CPU time per token (see {@link DecodeWindow}), with the
 * load average, so a run on a shared machine still compares the work each engine does per token.
 *
 * <p>Properties: {@code lorafleet.cpudecode.precisions} (f32,bf16,int8), {@code .threads} (1,2),
 * {@code .batches} (1,8), {@code .repeats} (5), {@code .steps} (128, per window, batch 1; batch 8
 * uses a quarter), {@code .agreeTokens} (64).
 */
public final class CpuDecodeBench {
  private static final int PROMPT = 16;

  private CpuDecodeBench() {}

  public static void main(String[] args) throws Exception {
    List<String> precisions = list("precisions", "f32,bf16,int8");
    List<Integer> threads = list("threads", "1,2").stream().map(Integer::parseInt).toList();
    List<Integer> batches = list("batches", "1,8").stream().map(Integer::parseInt).toList();
    int repeats = Integer.getInteger("lorafleet.cpudecode.repeats", 5);
    int steps = Integer.getInteger("lorafleet.cpudecode.steps", 128);
    int agreeTokens = Integer.getInteger("lorafleet.cpudecode.agreeTokens", 64);
    double minAgree = Double.parseDouble(System.getProperty("lorafleet.cpudecode.minAgree", "0.9"));
    // -Dlorafleet.cpudecode.peer=false times ours only (e.g. to compare two engine builds).
    boolean withPeer = Boolean.parseBoolean(System.getProperty("lorafleet.cpudecode.peer", "true"));
    LlamaCppPeer peer = LlamaCppPeer.fromProperties();
    if (withPeer && peer.unavailableReason() != null) {
      throw new IllegalStateException(peer.unavailableReason());
    }
    int[] tokens = tokens(agreeTokens, 49152, 7);

    StringBuilder report = new StringBuilder("\n== ours vs llama.cpp, CPU decode ==\n");
    report.append(hugePages()).append('\n');
    for (int t : threads) {
      report.append(
          String.format(
              Locale.ROOT,
              "read bandwidth, %d thread(s): %.1f GB/s%n",
              t,
              ReadBandwidth.measure(t, 5) / 1e9));
    }
    for (String precision : precisions) {
      LlamaModel shared = load(precision, new CpuBackend(1));
      Path gguf = withPeer ? gguf(precision, shared) : null;
      int[] ours = OurDecode.topTokens(shared, tokens);
      int[] theirs = withPeer ? peer.topTokens(gguf, 2, tokens) : ours;
      int same = 0;
      for (int i = 0; i < ours.length; i++) {
        same += ours[i] == theirs[i] ? 1 : 0;
      }
      String agree =
          String.format(
              Locale.ROOT,
              "%s agreement (teacher-forced top-1): %d/%d",
              precision,
              same,
              ours.length);
      System.out.println(
          agree
              + "\n  ours:   "
              + Arrays.toString(ours)
              + "\n  theirs: "
              + Arrays.toString(theirs));
      report.append(agree).append('\n');
      if (same < minAgree * ours.length) {
        throw new IllegalStateException(agree + ": not the same model, no timing");
      }
      long bytesPerStep = shared.weights().bytesPerToken();
      for (int t : threads) {
        try (CpuBackend backend = new CpuBackend(t)) {
          LlamaModel model = new LlamaModel(shared.config(), shared.weights(), backend);
          for (int batch : batches) {
            int windowSteps = batch == 1 ? steps : Math.max(8, steps / 4);
            OurDecode.window(model, tokens, batch, PROMPT, windowSteps); // JIT warm-up
            List<Double> oursTps = new ArrayList<>();
            List<Double> theirsTps = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            List<Double> oursCpu = new ArrayList<>();
            List<Double> theirsCpu = new ArrayList<>();
            List<Double> cpuRatios = new ArrayList<>();
            for (int r = 0; r < repeats; r++) {
              DecodeWindow o = OurDecode.window(model, tokens, batch, PROMPT, windowSteps);
              DecodeWindow l =
                  withPeer
                      ? peer.decodeWindow(gguf, t, tokens, batch, PROMPT, windowSteps, 16)
                      : new DecodeWindow(Double.NaN, Double.NaN);
              oursTps.add(o.tokensPerSecond());
              theirsTps.add(l.tokensPerSecond());
              ratios.add(o.tokensPerSecond() / l.tokensPerSecond());
              oursCpu.add(o.cpuMsPerToken());
              theirsCpu.add(l.cpuMsPerToken());
              cpuRatios.add(l.cpuMsPerToken() / o.cpuMsPerToken());
              System.out.printf(
                  Locale.ROOT,
                  "%s threads=%d batch=%d run %d: ours %.1f tok/s, llama.cpp %.1f tok/s, ratio %.3f;"
                      + " CPU ms/token ours %.2f, llama.cpp %.2f, ratio %.3f; load %s%n",
                  precision,
                  t,
                  batch,
                  r + 1,
                  o.tokensPerSecond(),
                  l.tokensPerSecond(),
                  o.tokensPerSecond() / l.tokensPerSecond(),
                  o.cpuMsPerToken(),
                  l.cpuMsPerToken(),
                  l.cpuMsPerToken() / o.cpuMsPerToken(),
                  loadAverage());
            }
            double om = median(oursTps);
            double lm = median(theirsTps);
            report.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.1f (%.1f-%.1f) | %.1f (%.1f-%.1f) | **%.2f** (%.2f-%.2f) | %.1f / %.1f GB/s |"
                        + " %.2f / %.2f | **%.2f** (%.2f-%.2f) |%n",
                    precision,
                    t,
                    batch,
                    om,
                    min(oursTps),
                    max(oursTps),
                    lm,
                    min(theirsTps),
                    max(theirsTps),
                    median(ratios),
                    min(ratios),
                    max(ratios),
                    bytesPerStep * om / batch / 1e9,
                    ggufWeightBytes(precision, bytesPerStep, shared) * lm / batch / 1e9,
                    median(oursCpu),
                    median(theirsCpu),
                    median(cpuRatios),
                    min(cpuRatios),
                    max(cpuRatios)));
          }
        }
      }
    }
    System.out.println(
        "| precision | threads | batch | ours tok/s median (range) | llama.cpp tok/s median (range)"
            + " | ours/llama.cpp median (range) | weights read ours / llama.cpp"
            + " | CPU ms/token ours / llama.cpp | CPU llama.cpp/ours median (range) |");
    System.out.println(report);
  }

  /**
   * llama.cpp's bytes per step: its Q8_0 keeps fp16 scales (34 bytes per 32) where we keep fp32.
   */
  private static double ggufWeightBytes(String precision, long ours, LlamaModel m) {
    return precision.equals("int8") ? ours * 34.0 / 36.0 : ours;
  }

  /**
   * Whether our heap (so the weights) is on transparent huge pages: with 4 KiB pages the same run
   * took 5-20% more CPU time per token (bench/cpu-decode.md), and llama.cpp's mmap of the GGUF gets
   * the kernel's file huge pages on its own.
   */
  private static String hugePages() {
    String flag =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .getVMOption("UseTransparentHugePages")
            .getValue();
    String mode;
    try {
      mode = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")).trim();
    } catch (IOException | RuntimeException e) {
      mode = "unknown";
    }
    return "ours: -XX:+UseTransparentHugePages " + flag + ", system THP mode " + mode;
  }

  /** The 1-minute load average, printed with every pair (the machine may be shared). */
  private static String loadAverage() {
    double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return l < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", l);
  }

  static LlamaModel load(String precision, CpuBackend backend) throws Exception {
    return switch (precision) {
      case "f32" -> LlamaModel.load(BenchData.model(DType.F32), WeightPrecision.AS_STORED, backend);
      case "bf16" ->
          LlamaModel.load(BenchData.model(DType.BF16), WeightPrecision.AS_STORED, backend);
      case "int8" -> LlamaModel.load(BenchData.model(DType.F32), WeightPrecision.INT8, backend);
      default ->
          throw new IllegalArgumentException("precision " + precision + ": f32, bf16 or int8");
    };
  }

  private static Path gguf(String precision, LlamaModel model) throws Exception {
    Path file = BenchData.root().resolve("gguf/smollm2-shape-" + precision + ".gguf");
    if (!Files.exists(file)) {
      GgufWriter.writeModel(model.config(), model.weights(), "smollm2-shape-" + precision, file);
    }
    return file;
  }

  static int[] tokens(int n, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] t = new int[n];
    Arrays.setAll(t, i -> r.nextInt(vocab));
    return t;
  }

  private static List<String> list(String key, String dflt) {
    return Arrays.asList(System.getProperty("lorafleet.cpudecode." + key, dflt).split(","));
  }

  static double median(List<Double> v) {
    double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
