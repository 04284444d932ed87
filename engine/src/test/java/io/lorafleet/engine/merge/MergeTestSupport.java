package io.lorafleet.engine.merge;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.AdapterConfigParser;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small adapters for the merge tests. */
final class MergeTestSupport {
  static final ModuleKey Q0 = new ModuleKey(0, LinearModule.Q_PROJ);

  private MergeTestSupport() {}

  /** A one-module adapter with config r and alpha; {@code rslora} selects alpha/sqrt(r). */
  static LoraAdapter adapter(
      ModuleKey key, int r, double alpha, boolean rslora, int out, int in, float[] a, float[] b) {
    AdapterConfig c = config(r, alpha, rslora, List.of(key.module().moduleName()));
    double scale = c.scaleFor(key.path(), r);
    return new LoraAdapter(
        c, Map.of(key, new LoraWeights(key, r, in, out, scale, a, b)), DType.F32);
  }

  /** {@code AdapterConfig.of} with {@code use_rslora} set, through PEFT's JSON form. */
  static AdapterConfig config(int r, double alpha, boolean rslora, List<String> targets) {
    try {
      String json =
          new String(PeftAdapterWriter.configJson(AdapterConfig.of(r, alpha, targets)), UTF_8);
      String flag = "\"use_rslora\" : false";
      if (!json.contains(flag)) {
        throw new IllegalStateException("unexpected config JSON: " + json);
      }
      return AdapterConfigParser.parse(
          json.replace(flag, "\"use_rslora\" : " + rslora).getBytes(UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A random adapter with rank r on the given modules, all {@code out x in}. */
  static LoraAdapter random(
      long seed, int r, double alpha, boolean rslora, int out, int in, List<ModuleKey> keys) {
    Random rnd = new Random(seed);
    AdapterConfig c =
        config(
            r, alpha, rslora, keys.stream().map(k -> k.module().moduleName()).distinct().toList());
    Map<ModuleKey, LoraWeights> m = new LinkedHashMap<>();
    for (ModuleKey k : keys) {
      float[] a = new float[r * in];
      float[] b = new float[out * r];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) rnd.nextGaussian();
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) rnd.nextGaussian();
      }
      m.put(k, new LoraWeights(k, r, in, out, c.scaleFor(k.path(), r), a, b));
    }
    return new LoraAdapter(c, m, DType.F32);
  }

  static double[] delta(LoraWeights w) {
    return AdapterMerger.delta(w);
  }

  static double maxAbsDiff(double[] x, double[] y) {
    if (x.length != y.length) {
      throw new AssertionError(x.length + " vs " + y.length);
    }
    double m = 0;
    for (int i = 0; i < x.length; i++) {
      m = Math.max(m, Math.abs(x[i] - y[i]));
    }
    return m;
  }

  static double frobenius(double[] x, double[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      s += (x[i] - y[i]) * (x[i] - y[i]);
    }
    return Math.sqrt(s);
  }

  static double[] floats(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }
}
