package io.lorafleet.engine.parity;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An independent Llama-family forward pass in PyTorch (through DJL), written from the HF
 * transformers modelling code: it reads {@code config.json} and {@code adapter_config.json} itself
 * (not through the engine's parsers), computes the rope frequencies and the PEFT scales itself, and
 * does every tensor operation in libtorch. Only safetensors decoding is shared with the engine.
 */
public final class TorchReference implements AutoCloseable {
  private static final JsonMapper JSON = new JsonMapper();

  private final NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch");
  private final JsonNode cfg;
  private final Map<String, NDArray> w = new HashMap<>();
  private final Map<String, NDArray[]> lora = new HashMap<>(); // module path -> {A, B}
  private final Map<String, Double> loraScale = new HashMap<>();
  private final java.util.List<NDArray[]> cache = new java.util.ArrayList<>(); // per layer {K, V}
  private int past;

  public TorchReference(Path modelDir, Path adapterDir) throws IOException {
    cfg = JSON.readTree(modelDir.resolve("config.json").toFile());
    try (SafetensorsFile f = SafetensorsFile.open(modelDir.resolve("model.safetensors"))) {
      for (String name : f.names()) {
        w.put(name, array(f, name));
      }
    }
    if (adapterDir != null) {
      loadAdapter(adapterDir);
    }
  }

  public static String engineName() {
    return ai.djl.engine.Engine.getEngine("PyTorch").getEngineName()
        + " "
        + ai.djl.engine.Engine.getEngine("PyTorch").getVersion();
  }

  private NDArray array(SafetensorsFile f, String name) {
    long[] shape = f.info(name).shape().stream().mapToLong(Long::longValue).toArray();
    return nd.create(f.readFloats(name), new Shape(shape));
  }

  private void loadAdapter(Path dir) throws IOException {
    JsonNode ac = JSON.readTree(dir.resolve("adapter_config.json").toFile());
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      for (String name : f.names()) {
        if (!name.endsWith(".lora_A.weight")) {
          continue;
        }
        String module = name.substring("base_model.model.".length(), name.length() - 14);
        NDArray a = array(f, name);
        NDArray b = array(f, name.replace(".lora_A.", ".lora_B."));
        lora.put(module, new NDArray[] {a, b});
        int rank = (int) a.getShape().get(0);
        double alpha = pattern(ac.get("alpha_pattern"), module, ac.get("lora_alpha").asDouble());
        boolean rs = ac.path("use_rslora").asBoolean(false);
        loraScale.put(module, rs ? alpha / Math.sqrt(rank) : alpha / rank);
      }
    }
  }

  /** PEFT get_pattern_key: first key k with re.match(rf"(.*\.)?({k})$", module). */
  private static double pattern(JsonNode patterns, String module, double fallback) {
    if (patterns != null) {
      for (Map.Entry<String, JsonNode> e : patterns.properties()) {
        if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(module).matches()) {
          return e.getValue().asDouble();
        }
      }
    }
    return fallback;
  }

  /** Logits [T, vocab] of one causal sequence from position 0, as a flat row-major array. */
  public float[] logits(int[] ids) {
    reset();
    try {
      return forward(ids);
    } finally {
      reset();
    }
  }

  /** Forgets the cached keys and values: the next {@link #forward} starts at position 0. */
  public void reset() {
    for (NDArray[] kv : cache) {
      if (kv != null) {
        kv[0].close();
        kv[1].close();
      }
    }
    cache.clear();
    past = 0;
  }

  /**
   * Runs {@code ids} at positions {@code past .. past+T-1} against the cached keys and values of
   * the earlier calls (HF's past_key_values), caches theirs, and returns their logits [T, vocab].
   */
  public float[] forward(int[] ids) {
    try (NDManager step = nd.newSubManager()) {
      return forward(step, ids).toFloatArray();
    }
  }

  /**
   * Summed cross-entropy of the target positions of {@code sequences} (each a full causal pass from
   * position 0; {@code masks[s][i]} marks {@code ids[i]} as a target predicted from the prefix) and
   * its gradient with respect to every LoRA A and B, by PyTorch autograd. Returns the gradients by
   * PEFT tensor name and the loss under {@code "loss"} (one element).
   */
  public Map<String, float[]> loraGradients(
      java.util.List<int[]> sequences, java.util.List<boolean[]> masks) {
    Map<String, float[]> out = new HashMap<>();
    for (NDArray[] ab : lora.values()) {
      ab[0].setRequiresGradient(true);
      ab[1].setRequiresGradient(true);
    }
    // Every intermediate (most are created in the weights' manager) is freed with the scope.
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope();
        NDManager step = nd.newSubManager();
        ai.djl.training.GradientCollector gc =
            ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
      NDArray total = step.zeros(new Shape());
      for (int s = 0; s < sequences.size(); s++) {
        int[] ids = sequences.get(s);
        boolean[] mask = masks.get(s);
        java.util.List<Long> rows = new java.util.ArrayList<>();
        java.util.List<Long> targets = new java.util.ArrayList<>();
        for (int i = 1; i < ids.length; i++) {
          if (mask[i]) {
            rows.add((long) i - 1);
            targets.add((long) ids[i]);
          }
        }
        reset();
        NDArray logits = forward(step, ids);
        if (rows.isEmpty()) {
          continue;
        }
        NDArray rowIdx = step.create(rows.stream().mapToLong(Long::longValue).toArray());
        NDArray tgt =
            step.create(
                targets.stream().mapToLong(Long::longValue).toArray(), new Shape(rows.size(), 1));
        // cross_entropy(reduction="sum") on the target rows: -log_softmax gathered at the target.
        total =
            total.sub(logits.get(new NDIndex("{}", rowIdx)).logSoftmax(-1).gather(tgt, 1).sum());
      }
      reset();
      gc.backward(total);
      out.put("loss", new float[] {total.getFloat()});
      for (Map.Entry<String, NDArray[]> e : lora.entrySet()) {
        out.put(
            "base_model.model." + e.getKey() + ".lora_A.weight",
            e.getValue()[0].getGradient().toFloatArray());
        out.put(
            "base_model.model." + e.getKey() + ".lora_B.weight",
            e.getValue()[1].getGradient().toFloatArray());
      }
    }
    return out;
  }

  private final Map<String, NDArray[]> moments = new HashMap<>(); // module -> {mA, vA, mB, vB}
  private long adamSteps;

  /**
   * One torch.optim.AdamW update of every LoRA A and B from the gradients the last {@link
   * #loraGradients} left on them (divided by {@code targets} first, as for a mean loss, then
   * clipped to a global norm of {@code maxNorm} as torch.nn.utils.clip_grad_norm_ does). The
   * updated tensors are new leaves without gradients; until then, gradients accumulate over calls
   * as in PyTorch.
   */
  public void adamWStep(
      double lr, double wd, double b1, double b2, double eps, long targets, double maxNorm) {
    adamSteps++;
    double sumSq = 0;
    for (NDArray[] ab : lora.values()) {
      for (int h = 0; h < 2; h++) {
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
          sumSq += ab[h].getGradient().div(targets).square().sum().getFloat();
        }
      }
    }
    double clip = Math.min(1, maxNorm / (Math.sqrt(sumSq) + 1e-6));
    double bc1 = 1 - Math.pow(b1, adamSteps);
    double bc2 = Math.sqrt(1 - Math.pow(b2, adamSteps));
    for (Map.Entry<String, NDArray[]> e : lora.entrySet()) {
      NDArray[] ab = e.getValue();
      NDArray[] mv =
          moments.computeIfAbsent(
              e.getKey(),
              k ->
                  new NDArray[] {
                    ab[0].zerosLike(), ab[0].zerosLike(), ab[1].zerosLike(), ab[1].zerosLike()
                  });
      for (int h = 0; h < 2; h++) {
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
          NDArray p = ab[h];
          NDArray g = p.getGradient().div(targets).mul(clip);
          NDArray m = mv[2 * h].mul(b1).add(g.mul(1 - b1));
          NDArray v = mv[2 * h + 1].mul(b2).add(g.square().mul(1 - b2));
          NDArray denom = v.sqrt().div(bc2).add(eps);
          NDArray next = p.mul(1 - lr * wd).sub(m.div(denom).mul(lr / bc1));
          ai.djl.ndarray.NDScope.unregister(m, v, next);
          mv[2 * h].close();
          mv[2 * h + 1].close();
          mv[2 * h] = m;
          mv[2 * h + 1] = v;
          p.close();
          next.setRequiresGradient(true);
          ab[h] = next;
        }
      }
    }
  }

  private NDArray forward(NDManager step, int[] ids) {
    {
      int t = ids.length;
      int heads = cfg.get("num_attention_heads").asInt();
      int kvHeads = cfg.get("num_key_value_heads").asInt();
      int hidden = cfg.get("hidden_size").asInt();
      int d = cfg.has("head_dim") ? cfg.get("head_dim").asInt() : hidden / heads;
      int layers = cfg.get("num_hidden_layers").asInt();
      double eps = cfg.get("rms_norm_eps").asDouble();
      NDArray idx = step.create(java.util.Arrays.stream(ids).asLongStream().toArray());
      NDArray x = w.get("model.embed_tokens.weight").get(new NDIndex("{}", idx));
      NDArray[] cosSin = rope(step, past, t, d);
      NDArray mask = causalMask(step, past, t);
      while (cache.size() < layers) {
        cache.add(null);
      }
      for (int l = 0; l < layers; l++) {
        String p = "model.layers." + l + ".";
        NDArray hN = rmsNorm(x, w.get(p + "input_layernorm.weight"), eps);
        NDArray q = linear(hN, p + "self_attn.q_proj").reshape(t, heads, d).transpose(1, 0, 2);
        NDArray k = linear(hN, p + "self_attn.k_proj").reshape(t, kvHeads, d).transpose(1, 0, 2);
        NDArray v = linear(hN, p + "self_attn.v_proj").reshape(t, kvHeads, d).transpose(1, 0, 2);
        q = applyRope(q, cosSin);
        k = applyRope(k, cosSin);
        NDArray[] kv = cache.get(l);
        if (kv != null) {
          k = NDArrays.concat(new NDList(kv[0], k), 1);
          v = NDArrays.concat(new NDList(kv[1], v), 1);
          kv[0].close();
          kv[1].close();
        }
        NDArray[] keep = {k.duplicate(), v.duplicate()};
        keep[0].attach(nd);
        keep[1].attach(nd);
        cache.set(l, keep);
        // repeat_kv: KV head j serves query heads j*g .. j*g+g-1.
        k = k.repeat(0, heads / kvHeads);
        v = v.repeat(0, heads / kvHeads);
        NDArray scores = q.matMul(k.transpose(0, 2, 1)).mul(1.0 / Math.sqrt(d)).add(mask);
        NDArray attn = scores.softmax(-1).matMul(v).transpose(1, 0, 2).reshape(t, heads * d);
        x = x.add(linear(attn, p + "self_attn.o_proj"));
        NDArray m = rmsNorm(x, w.get(p + "post_attention_layernorm.weight"), eps);
        NDArray g = linear(m, p + "mlp.gate_proj");
        NDArray silu = g.div(g.neg().exp().add(1));
        x = x.add(linear(silu.mul(linear(m, p + "mlp.up_proj")), p + "mlp.down_proj"));
      }
      x = rmsNorm(x, w.get("model.norm.weight"), eps);
      NDArray head = w.getOrDefault("lm_head.weight", w.get("model.embed_tokens.weight"));
      past += t;
      return x.matMul(head.transpose());
    }
  }

  private NDArray linear(NDArray x, String module) {
    NDArray y = x.matMul(w.get(module + ".weight").transpose());
    NDArray bias = w.get(module + ".bias");
    if (bias != null) {
      y = y.add(bias);
    }
    NDArray[] ab = lora.get(module);
    if (ab != null) {
      y = y.add(x.matMul(ab[0].transpose()).matMul(ab[1].transpose()).mul(loraScale.get(module)));
    }
    return y;
  }

  private static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    NDArray var = x.square().mean(new int[] {-1}, true);
    return x.mul(var.add(eps).sqrt().pow(-1)).mul(weight);
  }

  private NDArray[] rope(NDManager m, int from, int t, int d) {
    float[] inv = invFreq(d);
    float[] pos = new float[t];
    for (int i = 0; i < t; i++) {
      pos[i] = from + i;
    }
    NDArray freqs = m.create(pos, new Shape(t, 1)).matMul(m.create(inv, new Shape(1, d / 2)));
    NDArray emb = NDArrays.concat(new NDList(freqs, freqs), -1);
    return new NDArray[] {emb.cos(), emb.sin()};
  }

  private static NDArray applyRope(NDArray x, NDArray[] cosSin) {
    long d = x.getShape().get(2);
    NDArray x1 = x.get(":, :, :" + d / 2);
    NDArray x2 = x.get(":, :, " + d / 2 + ":");
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
    return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
  }

  /** inv_freq as transformers computes it, with linear or llama3 rescaling. */
  private float[] invFreq(int d) {
    double theta = cfg.path("rope_theta").asDouble(10000);
    float[] inv = new float[d / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / d));
    }
    JsonNode rs = cfg.get("rope_scaling");
    if (rs == null || rs.isNull()) {
      return inv;
    }
    double factor = rs.get("factor").asDouble();
    if (rs.path("rope_type").asText().equals("llama3")) {
      double low = rs.get("low_freq_factor").asDouble();
      double high = rs.get("high_freq_factor").asDouble();
      double old = rs.get("original_max_position_embeddings").asDouble();
      for (int i = 0; i < inv.length; i++) {
        double wavelen = 2 * Math.PI / inv[i];
        double scaled = wavelen > old / low ? inv[i] / factor : inv[i];
        boolean medium = !(wavelen < old / high) && !(wavelen > old / low);
        if (medium) {
          double smooth = (old / wavelen - low) / (high - low);
          scaled = (1 - smooth) * scaled / factor + smooth * scaled;
        }
        inv[i] = (float) scaled;
      }
    } else {
      for (int i = 0; i < inv.length; i++) {
        inv[i] = (float) (inv[i] / factor);
      }
    }
    return inv;
  }

  /** Row i (position past+i) sees columns 0 .. past+i of the past and new keys. */
  private static NDArray causalMask(NDManager m, int past, int t) {
    int len = past + t;
    float[] mask = new float[t * len];
    for (int i = 0; i < t; i++) {
      for (int j = past + i + 1; j < len; j++) {
        mask[i * len + j] = Float.NEGATIVE_INFINITY;
      }
    }
    return m.create(mask, new Shape(t, len));
  }

  @Override
  public void close() {
    reset();
    nd.close();
  }
}
