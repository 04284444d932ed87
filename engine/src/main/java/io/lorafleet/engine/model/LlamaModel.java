package io.lorafleet.engine.model;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.lora.AdapterTable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The Llama-family decoder (Llama, Mistral, Qwen2 with QKV bias, SmolLM with tied embeddings) as a
 * sequence of backend operations, with unmerged multi-LoRA on every linear layer.
 */
public final class LlamaModel {
  private final ModelConfig config;
  private final ModelWeights weights;
  private final Backend backend;
  private final float[] invFreq;

  public LlamaModel(ModelConfig config, ModelWeights weights, Backend backend) {
    this.config = config;
    this.weights = weights;
    this.backend = backend;
    this.invFreq = RopeFrequencies.of(config);
  }

  public static LlamaModel load(Path dir, WeightPrecision precision, Backend backend)
      throws IOException {
    ModelConfig c = ModelLoader.config(dir);
    return new LlamaModel(c, ModelLoader.weights(dir, c, precision), backend);
  }

  public ModelConfig config() {
    return config;
  }

  public ModelWeights weights() {
    return weights;
  }

  public Backend backend() {
    return backend;
  }

  /** The same model with other weights (e.g. an adapter merged into a copy). */
  public LlamaModel withWeights(ModelWeights other) {
    return new LlamaModel(config, other, backend);
  }

  /** A KV cache for this model with {@code blocks} blocks of {@code blockSize} positions. */
  public PagedKvCache newCache(int blocks, int blockSize) {
    return new PagedKvCache(
        config.numHiddenLayers(), blocks, blockSize, config.numKeyValueHeads(), config.headDim());
  }

  /** Runs the batch, appending its keys/values to the cache; returns logits [logitRows, vocab]. */
  public float[] forward(ForwardBatch batch, AdapterTable adapters, PagedKvCache cache) {
    Step s = new Step(batch, adapters);
    int t = batch.rows();
    int h = config.hiddenSize();
    float[] hidden = new float[t * h];
    backend.embedding(weights.embedTokens(), batch.tokens(), hidden);
    float[] residual = new float[t * h];
    float[] normed = new float[t * h];
    float eps = (float) config.rmsNormEps();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      LayerWeights w = weights.layers().get(l);
      backend.rmsNorm(hidden, residual, w.inputNorm(), eps, t, h, normed);
      hidden = attention(s, l, w, normed, cache);
      backend.rmsNorm(hidden, residual, w.postAttentionNorm(), eps, t, h, normed);
      hidden = mlp(s, l, w, normed);
    }
    backend.rmsNorm(hidden, residual, weights.finalNorm(), eps, t, h, normed);
    return logits(s, normed);
  }

  private float[] attention(Step s, int l, LayerWeights w, float[] x, PagedKvCache cache) {
    int t = s.batch.rows();
    int hq = config.numAttentionHeads();
    int hkv = config.numKeyValueHeads();
    int d = config.headDim();
    float[][] qkv =
        linear(s, l, w, x, LinearModule.Q_PROJ, LinearModule.K_PROJ, LinearModule.V_PROJ);
    float[] q = qkv[0];
    float[] k = qkv[1];
    float[] v = qkv[2];
    int[] pos = s.batch.layout().positions();
    backend.rope(q, t, hq, d, pos, invFreq);
    backend.rope(k, t, hkv, d, pos, invFreq);
    backend.kvAppend(cache, l, k, v, s.batch.layout());
    float[] attn = new float[t * hq * d];
    backend.attention(q, hq, cache, l, s.batch.layout(), (float) (1 / Math.sqrt(d)), attn);
    return linear(s, l, w, attn, LinearModule.O_PROJ)[0];
  }

  private float[] mlp(Step s, int l, LayerWeights w, float[] x) {
    float[][] gu = linear(s, l, w, x, LinearModule.GATE_PROJ, LinearModule.UP_PROJ);
    backend.siluMul(gu[0], gu[1], gu[0].length, gu[0]);
    return linear(s, l, w, gu[0], LinearModule.DOWN_PROJ)[0];
  }

  private float[] logits(Step s, float[] normed) {
    int h = config.hiddenSize();
    int[] rows = s.batch.logitRows();
    float[] x = new float[rows.length * h];
    int[] slots = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(normed, rows[i] * h, x, i * h, h);
      slots[i] = s.batch.slotOfRow()[rows[i]];
    }
    float[] y = new float[rows.length * config.vocabSize()];
    backend.matmul(x, rows.length, weights.lmHead(), null, y);
    LoraPair[] pairs = s.adapters.pairs(-1, LinearModule.LM_HEAD);
    if (s.rMax > 0 && hasAny(pairs)) {
      float[] v = new float[rows.length * s.rMax];
      backend.bgmvShrink(x, h, slots, pairs, v, s.rMax);
      backend.bgmvExpand(v, s.rMax, slots, pairs, y, config.vocabSize());
    }
    return y;
  }

  /**
   * {@code y = x·Wᵀ + b} for each of {@code modules} (which share the input, as q/k/v and gate/up
   * do, so the base matmuls run as one backend step) plus, for rows with an adapter on a module,
   * {@code (x·Aᵀ)·(sB)ᵀ}.
   */
  private float[][] linear(Step s, int l, LayerWeights layer, float[] x, LinearModule... modules) {
    int t = s.batch.rows();
    Weights[] ws = new Weights[modules.length];
    float[][] biases = new float[modules.length][];
    float[][] ys = new float[modules.length][];
    for (int j = 0; j < modules.length; j++) {
      ws[j] = layer.linear(modules[j]);
      biases[j] = layer.bias(modules[j]);
      ys[j] = new float[t * ws[j].rows()];
    }
    backend.matmulSlices(x, t, ws, biases, ys);
    for (int j = 0; j < modules.length; j++) {
      addLora(s, l, modules[j], ws[j], x, ys[j]);
    }
    return ys;
  }

  private void addLora(Step s, int l, LinearModule m, Weights w, float[] x, float[] y) {
    if (s.rMax == 0 || s.groups.isEmpty()) {
      return;
    }
    LoraPair[] pairs = s.adapters.pairs(l, m);
    if (!hasAny(pairs)) {
      return;
    }
    float[] v = s.shrinkBuffer;
    if (s.batch.decode()) {
      backend.bgmvShrink(x, w.cols(), s.batch.slotOfRow(), pairs, v, s.rMax);
      backend.bgmvExpand(v, s.rMax, s.batch.slotOfRow(), pairs, y, w.rows());
    } else {
      backend.sgmvShrink(x, w.cols(), s.groups, pairs, v, s.rMax);
      backend.sgmvExpand(v, s.rMax, s.groups, pairs, y, w.rows());
    }
  }

  private static boolean hasAny(LoraPair[] pairs) {
    for (LoraPair p : pairs) {
      if (p != null) {
        return true;
      }
    }
    return false;
  }

  /** Per-step state shared by all layers: grouping by adapter is computed once per batch. */
  private static final class Step {
    final ForwardBatch batch;
    final AdapterTable adapters;
    final AdapterGroups groups;
    final int rMax;
    final float[] shrinkBuffer;

    Step(ForwardBatch batch, AdapterTable adapters) {
      this.batch = batch;
      this.adapters = adapters;
      this.groups = batch.groups();
      this.rMax = groups.isEmpty() ? 0 : adapters.maxRank();
      this.shrinkBuffer = new float[batch.rows() * rMax];
    }
  }
}
