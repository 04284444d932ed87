package io.lorafleet.engine.model;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.StepInputs;
import io.lorafleet.engine.backend.Tensor;
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
  private final Workspace workspace = new Workspace();

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

  /**
   * Runs the batch, appending its keys/values to the cache; returns logits [logitRows, vocab]. The
   * activations live in backend buffers reused across steps ({@link Workspace}); the host hands the
   * backend the step's inputs once and reads the logits back once.
   */
  public synchronized float[] forward(
      ForwardBatch batch, AdapterTable adapters, PagedKvCache cache) {
    StepInputs step =
        backend.upload(
            batch.tokens(), batch.layout(), batch.slotOfRow(), batch.logitRows(), batch.decode());
    Step s = new Step(step, adapters, batch.groups().isEmpty() ? 0 : adapters.maxRank());
    syncAdapters(adapters);
    int t = step.rows();
    int h = config.hiddenSize();
    Workspace w = workspace.ensure(t, step.logitRows(), s.rMax);
    float eps = (float) config.rmsNormEps();
    // The embedding is the first residual, so the first norm needs no residual add.
    backend.embedding(weights.embedTokens(), step, w.residual);
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      LayerWeights lw = weights.layers().get(l);
      backend.rmsNorm(
          l == 0 ? w.residual : w.hidden,
          l == 0 ? null : w.residual,
          lw.inputNorm(),
          eps,
          t,
          h,
          w.normed);
      attention(s, l, lw, w, cache);
      backend.rmsNorm(w.hidden, w.residual, lw.postAttentionNorm(), eps, t, h, w.normed);
      mlp(s, l, lw, w);
    }
    backend.rmsNorm(w.hidden, w.residual, weights.finalNorm(), eps, t, h, w.normed);
    return logits(s, w);
  }

  /**
   * Makes the backend's LoRA slot pools match the table: the slots whose adapter changed are
   * written, and pools are freed when the table holds no adapter. Every forward step does this
   * first; a server may call it when it loads or evicts an adapter, so the copy is not on a step.
   */
  public synchronized void syncAdapters(AdapterTable adapters) {
    int rMax = adapters.maxRank();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      for (LinearModule m : LinearModule.values()) {
        if (m.inDecoderLayer()) {
          backend.syncLora(loraKey(l, m), adapters.pairs(l, m), rMax);
        }
      }
    }
    backend.syncLora(
        loraKey(config.numHiddenLayers(), LinearModule.LM_HEAD),
        adapters.pairs(-1, LinearModule.LM_HEAD),
        rMax);
  }

  /** The backend's pool key of a (layer, module); the lm_head counts as layer {@code layers}. */
  private static int loraKey(int layer, LinearModule m) {
    return layer * LinearModule.values().length + m.ordinal();
  }

  private void attention(Step s, int l, LayerWeights lw, Workspace w, PagedKvCache cache) {
    int hq = config.numAttentionHeads();
    int hkv = config.numKeyValueHeads();
    int d = config.headDim();
    linear(
        s,
        l,
        lw,
        w.normed,
        new Tensor[] {w.q, w.k, w.v},
        LinearModule.Q_PROJ,
        LinearModule.K_PROJ,
        LinearModule.V_PROJ);
    backend.rope(w.q, s.step, hq, d, invFreq);
    backend.rope(w.k, s.step, hkv, d, invFreq);
    backend.kvAppend(cache, l, w.k, w.v, s.step);
    backend.attention(w.q, hq, cache, l, s.step, (float) (1 / Math.sqrt(d)), w.attn);
    linear(s, l, lw, w.attn, new Tensor[] {w.hidden}, LinearModule.O_PROJ);
  }

  private void mlp(Step s, int l, LayerWeights lw, Workspace w) {
    linear(
        s,
        l,
        lw,
        w.normed,
        new Tensor[] {w.gate, w.up},
        LinearModule.GATE_PROJ,
        LinearModule.UP_PROJ);
    backend.siluMul(w.gate, w.up, s.step.rows() * config.intermediateSize(), w.gate);
    linear(s, l, lw, w.gate, new Tensor[] {w.hidden}, LinearModule.DOWN_PROJ);
  }

  private float[] logits(Step s, Workspace w) {
    int h = config.hiddenSize();
    int rows = s.step.logitRows();
    int vocab = config.vocabSize();
    backend.gatherLogitRows(w.normed, h, s.step, w.logitInput);
    backend.matmulSlices(
        w.logitInput,
        rows,
        new Weights[] {weights.lmHead()},
        new float[][] {null},
        new Tensor[] {w.logits});
    LoraPair[] pairs = s.adapters.pairs(-1, LinearModule.LM_HEAD);
    if (s.rMax > 0 && hasAny(pairs)) {
      int key = loraKey(config.numHiddenLayers(), LinearModule.LM_HEAD);
      backend.loraShrink(w.logitInput, h, s.step, true, key, pairs, w.shrink, s.rMax);
      backend.loraExpand(w.shrink, s.rMax, s.step, true, key, pairs, w.logits, vocab);
    }
    float[] y = new float[rows * vocab];
    backend.download(w.logits, y, rows * vocab);
    return y;
  }

  /**
   * {@code ys[j] = x·Wⱼᵀ + bⱼ} for each of {@code modules} (which share the input, as q/k/v and
   * gate/up do, so the base matmuls run as one backend step) plus, for rows with an adapter on a
   * module, {@code (x·Aᵀ)·(sB)ᵀ}.
   */
  private void linear(
      Step s, int l, LayerWeights layer, Tensor x, Tensor[] ys, LinearModule... modules) {
    int t = s.step.rows();
    Weights[] ws = new Weights[modules.length];
    float[][] biases = new float[modules.length][];
    for (int j = 0; j < modules.length; j++) {
      ws[j] = layer.linear(modules[j]);
      biases[j] = layer.bias(modules[j]);
    }
    backend.matmulSlices(x, t, ws, biases, ys);
    if (s.rMax == 0) {
      return;
    }
    for (int j = 0; j < modules.length; j++) {
      LoraPair[] pairs = s.adapters.pairs(l, modules[j]);
      if (hasAny(pairs)) {
        int key = loraKey(l, modules[j]);
        backend.loraShrink(x, ws[j].cols(), s.step, false, key, pairs, workspace.shrink, s.rMax);
        backend.loraExpand(
            workspace.shrink, s.rMax, s.step, false, key, pairs, ys[j], ws[j].rows());
      }
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

  /** Per-step state shared by all layers. */
  private record Step(StepInputs step, AdapterTable adapters, int rMax) {}

  /**
   * The activation buffers of a forward step, allocated by the backend once and grown only when a
   * step needs more rows, logit rows or LoRA rank than any before it.
   */
  private final class Workspace {
    int rows = -1;
    int logitRows = -1;
    int rMax = -1;
    Tensor hidden, residual, normed, q, k, v, attn, gate, up, shrink, logitInput, logits;

    Workspace ensure(int t, int lr, int r) {
      if (t > rows || lr > logitRows || r > rMax) {
        release();
        rows = Math.max(t, rows);
        logitRows = Math.max(lr, logitRows);
        rMax = Math.max(r, rMax);
        int h = config.hiddenSize();
        int d = config.headDim();
        int inter = config.intermediateSize();
        hidden = backend.allocate((long) rows * h);
        residual = backend.allocate((long) rows * h);
        normed = backend.allocate((long) rows * h);
        q = backend.allocate((long) rows * config.numAttentionHeads() * d);
        k = backend.allocate((long) rows * config.numKeyValueHeads() * d);
        v = backend.allocate((long) rows * config.numKeyValueHeads() * d);
        attn = backend.allocate((long) rows * config.numAttentionHeads() * d);
        gate = backend.allocate((long) rows * inter);
        up = backend.allocate((long) rows * inter);
        shrink = backend.allocate((long) Math.max(rows, logitRows) * Math.max(1, rMax));
        logitInput = backend.allocate((long) logitRows * h);
        logits = backend.allocate((long) logitRows * config.vocabSize());
      }
      return this;
    }

    void release() {
      if (rows < 0) {
        return;
      }
      for (Tensor x :
          new Tensor[] {
            hidden, residual, normed, q, k, v, attn, gate, up, shrink, logitInput, logits
          }) {
        backend.free(x);
      }
    }
  }
}
