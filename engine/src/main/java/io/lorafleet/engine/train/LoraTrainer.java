package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.TrainingKernels;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.merge.Philox;
import io.lorafleet.engine.merge.Svd;
import io.lorafleet.engine.model.LayerWeights;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.ModelWeights;
import io.lorafleet.engine.model.RopeFrequencies;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA training on the CPU: forward and backward over a frozen Llama-family base (RMSNorm, RoPE
 * with scaling, GQA, optional linear biases, tied or untied head, SiLU-gated MLP), with {@code y =
 * W x + b + s · B A dropout(x)} on every target module, softmax cross-entropy over the target
 * positions, AdamW as {@code torch.optim.AdamW} and global-norm clipping as {@code
 * torch.nn.utils.clip_grad_norm_}.
 *
 * <p>Memory: by default only each layer's input is kept through the forward pass and every layer is
 * recomputed during the backward pass; {@link #create(LlamaModel, LoraTrainingOptions, int, long)}
 * can keep a budget of activations instead.
 *
 * <p>Numerics: fp32 activations and gradients; norms, rotary embedding and SiLU are the inference
 * {@link Backend}'s own operations and attention is computed as the CPU backend does; the
 * many-token matmuls use {@link TrainingKernels#matmulKn} (the same products, one fma chain per
 * output), so the training forward gives the serving path's logits to fp32 rounding. Two extra
 * copies of the base weights (same dtype) are kept: transposed for the forward matmuls and with
 * q/k/v and gate/up stacked for the input-gradient matmuls, both in the {@code [k, n]} layout of
 * {@link TrainingKernels#matmulKn}.
 *
 * <p>Determinism: every output element of every matmul is one fma chain or dot product in a fixed
 * order (reductions over tokens run over rows in row order); attention work is split per (sequence,
 * head) and per-head gradients are summed in head order. Nothing depends on the thread count.
 * Dropout masks are Philox draws keyed by (seed, dropoutKey) at counter (feature/4, position,
 * sequence index, layer·16 + module); initialisation draws use a disjoint counter space.
 *
 * <p>PiSSA ({@link LoraTrainingOptions.Init#PISSA}): A and B are the top-{@code r} singular
 * triplets of each target weight (algorithms.md B2.1) and the frozen base becomes {@code W_res = W
 * − s·B·A} in fp32 (a bf16 base is widened for the adapted modules). The trained adapter is valid
 * only on top of {@link #baseModel()}, not on the original base.
 */
public final class LoraTrainer implements LoraTraining, AutoCloseable {
  private static final LinearModule[] QKV = {
    LinearModule.Q_PROJ, LinearModule.K_PROJ, LinearModule.V_PROJ
  };
  private static final LinearModule[] GATE_UP = {LinearModule.GATE_PROJ, LinearModule.UP_PROJ};
  private static final LinearModule[] O = {LinearModule.O_PROJ};
  private static final LinearModule[] DOWN = {LinearModule.DOWN_PROJ};

  /** Rows of logits computed at once: bounds the [rows, vocab] buffer. */
  private static final int HEAD_CHUNK = 64;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final LlamaModel base;
  private final ModelConfig config;
  private final Backend backend;
  private final TrainingKernels kernels;
  private final LoraTrainingOptions options;
  private final float scale;
  private final float[] invFreq;

  /** [layer][module ordinal], null where the module is not a target. */
  private final LoraParameter[][] lora;

  private final List<LoraParameter> parameters = new ArrayList<>();

  /** Per layer: Wᵀ ({@code [in, out]}) for the forward matmuls. */
  private final GroupWeights[] forward;

  /** Per layer: W ({@code [out, in]}, q/k/v and gate/up stacked) for the input gradients. */
  private final GroupWeights[] backward;

  private final Weights headT;
  private final long activationBudget;

  /** Layers whose activations the last {@link #accumulate} kept (for tests). */
  int lastKeptLayers;

  private long steps;

  /**
   * One layer's base weights for {@link TrainingKernels#matmulKn}, as {@code [k, n]} matrices:
   * q/k/v and gate/up joined along n (forward) or k (backward); biases joined like the outputs.
   */
  private record GroupWeights(
      Weights qkv, Weights o, Weights gateUp, Weights down, float[] qkvBias, float[] gateUpBias) {}

  private LoraTrainer(
      LlamaModel model, LoraTrainingOptions options, int threads, long activationBudget) {
    this.activationBudget = activationBudget;
    this.config = model.config();
    this.options = options;
    this.backend = model.backend();
    this.kernels = new TrainingKernels(threads);
    this.scale = (float) options.scale();
    this.invFreq = RopeFrequencies.of(config);
    int layers = config.numHiddenLayers();
    this.lora = new LoraParameter[layers][LinearModule.values().length];
    for (int l = 0; l < layers; l++) {
      for (LinearModule m : options.targetModules()) {
        if (!m.inDecoderLayer()) {
          throw new IllegalArgumentException(
              "training LoRA on " + m.moduleName() + " is not supported");
        }
        var shape = config.shape(m);
        LoraParameter p =
            new LoraParameter(
                new ModuleKey(l, m),
                options.rank(),
                Math.toIntExact(shape.in()),
                Math.toIntExact(shape.out()));
        lora[l][m.ordinal()] = p;
        parameters.add(p);
      }
    }
    parameters.sort((x, y) -> x.key.compareTo(y.key));
    this.base =
        options.init() == LoraTrainingOptions.Init.PISSA ? pissa(model) : standardInit(model);
    this.forward = new GroupWeights[layers];
    this.backward = new GroupWeights[layers];
    for (int l = 0; l < layers; l++) {
      LayerWeights w = base.weights().layers().get(l);
      float[] qkvBias = joinBiases(w, QKV);
      float[] guBias = joinBiases(w, GATE_UP);
      forward[l] =
          new GroupWeights(
              transposeConcat(w.q(), w.k(), w.v()),
              transposeConcat(w.o()),
              transposeConcat(w.gate(), w.up()),
              transposeConcat(w.down()),
              qkvBias,
              guBias);
      backward[l] =
          new GroupWeights(
              stack(w.q(), w.k(), w.v()), w.o(), stack(w.gate(), w.up()), w.down(), null, null);
    }
    this.headT = transposeConcat(base.weights().lmHead());
  }

  /** A training run over {@code base} using one worker per available processor. */
  public static LoraTrainer create(LlamaModel base, LoraTrainingOptions options) {
    return create(base, options, Runtime.getRuntime().availableProcessors());
  }

  /**
   * A training run with {@code threads} workers for attention (matmuls run on the base model's
   * backend). Results do not depend on {@code threads}.
   */
  public static LoraTrainer create(LlamaModel base, LoraTrainingOptions options, int threads) {
    return create(base, options, threads, 0);
  }

  /**
   * As {@link #create(LlamaModel, LoraTrainingOptions, int)}, keeping up to {@code
   * activationBudgetBytes} of layer activations from the forward pass (first layers first) instead
   * of recomputing those layers in the backward pass. 0 recomputes every layer (the default: memory
   * is then the layer inputs plus one layer's activations). Results are identical either way.
   */
  public static LoraTrainer create(
      LlamaModel base, LoraTrainingOptions options, int threads, long activationBudgetBytes) {
    return new LoraTrainer(base, options, threads, activationBudgetBytes);
  }

  /**
   * The frozen base the adapter trains on and is valid for: the model given to {@link #create}, or
   * with PiSSA the residual model {@code W − s·B₀A₀}.
   */
  public LlamaModel baseModel() {
    return base;
  }

  public LoraTrainingOptions options() {
    return options;
  }

  /** The current adapter, loaded for the inference path (scale folded into B). */
  public LoadedAdapter toLoadedAdapter(String name) {
    return LoadedAdapter.of(name, toAdapter(DType.F32), config);
  }

  // ---------------------------------------------------------------- initialisation

  /** A Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in), as PEFT; B zero. */
  private LlamaModel standardInit(LlamaModel model) {
    for (LoraParameter p : parameters) {
      double bound = 1 / Math.sqrt(p.in);
      for (int i = 0; i < p.a.length; i++) {
        double u = Philox.uniform(options.seed(), p.tensorId(), -1, i);
        p.a[i] = (float) ((2 * u - 1) * bound);
      }
    }
    return model;
  }

  /** PiSSA (PEFT pissa_init): A, B from the top-r SVD of W; the base becomes W − s·B·A. */
  private LlamaModel pissa(LlamaModel model) {
    ModelWeights mw = model.weights();
    List<LayerWeights> layers = new ArrayList<>(mw.layers());
    double s = options.scale();
    for (LoraParameter p : parameters) {
      LayerWeights lw = layers.get(p.key.layer());
      Weights w = lw.linear(p.key.module());
      double[] dense = new double[p.out * p.in];
      for (int o = 0; o < p.out; o++) {
        for (int i = 0; i < p.in; i++) {
          dense[o * p.in + i] = w.get(o, i);
        }
      }
      Svd svd = Svd.of(dense, p.out, p.in);
      int r = p.rank;
      if (svd.k() < r) {
        throw new IllegalArgumentException(
            "PiSSA rank " + r + " exceeds min(out, in) = " + svd.k() + " of " + p.key);
      }
      for (int j = 0; j < r; j++) {
        double root = Math.sqrt(svd.s()[j] / s);
        for (int i = 0; i < p.in; i++) {
          p.a[j * p.in + i] = (float) (root * svd.v()[i * svd.k() + j]);
        }
        for (int o = 0; o < p.out; o++) {
          p.b[o * r + j] = (float) (svd.u()[o * svd.k() + j] * root);
        }
      }
      p.initialA = p.a.clone();
      p.initialB = p.b.clone();
      float[] res = new float[p.out * p.in];
      for (int o = 0; o < p.out; o++) {
        for (int i = 0; i < p.in; i++) {
          double ba = 0;
          for (int j = 0; j < r; j++) {
            ba += (double) p.b[o * r + j] * p.a[j * p.in + i];
          }
          res[o * p.in + i] = (float) (dense[o * p.in + i] - s * ba);
        }
      }
      layers.set(p.key.layer(), lw.with(p.key.module(), Weights.f32(p.out, p.in, res)));
    }
    return model.withWeights(
        new ModelWeights(mw.embedTokens(), layers, mw.finalNorm(), mw.lmHead()));
  }

  /** The biases of modules that share an input, end to end (zeros where one has none). */
  private static float[] joinBiases(LayerWeights w, LinearModule[] ms) {
    int total = 0;
    boolean any = false;
    for (LinearModule m : ms) {
      total += w.linear(m).rows();
      any |= w.bias(m) != null;
    }
    if (!any) {
      return null;
    }
    float[] out = new float[total];
    int off = 0;
    for (LinearModule m : ms) {
      if (w.bias(m) != null) {
        System.arraycopy(w.bias(m), 0, out, off, w.bias(m).length);
      }
      off += w.linear(m).rows();
    }
    return out;
  }

  /** {@code [rows_i, cols]} weights stacked into {@code [Σ rows_i, cols]}. */
  private static Weights stack(Weights... ws) {
    int cols = ws[0].cols();
    int rows = 0;
    boolean bf16 = true;
    for (Weights w : ws) {
      rows += w.rows();
      bf16 &= w.dtype() == DType.BF16;
    }
    if (bf16) {
      short[] t = new short[rows * cols];
      int off = 0;
      for (Weights w : ws) {
        System.arraycopy(w.bf16(), 0, t, off, w.bf16().length);
        off += w.bf16().length;
      }
      return Weights.bf16(rows, cols, t);
    }
    float[] t = new float[rows * cols];
    int off = 0;
    for (Weights w : ws) {
      float[] f = w.toF32Copy().f32();
      System.arraycopy(f, 0, t, off, f.length);
      off += f.length;
    }
    return Weights.f32(rows, cols, t);
  }

  /** {@code [Σ rows, cols]} weights side by side, transposed to {@code [cols, Σ rows]}. */
  private static Weights transposeConcat(Weights... ws) {
    int cols = ws[0].cols();
    int total = 0;
    boolean bf16 = true;
    for (Weights w : ws) {
      total += w.rows();
      bf16 &= w.dtype() == DType.BF16;
    }
    int n = total;
    if (bf16) {
      short[] t = new short[cols * n];
      int off = 0;
      for (Weights w : ws) {
        short[] src = w.bf16();
        for (int r = 0; r < w.rows(); r++) {
          for (int c = 0; c < cols; c++) {
            t[c * n + off + r] = src[r * cols + c];
          }
        }
        off += w.rows();
      }
      return Weights.bf16(cols, n, t);
    }
    float[] t = new float[cols * n];
    int off = 0;
    for (Weights w : ws) {
      for (int r = 0; r < w.rows(); r++) {
        for (int c = 0; c < cols; c++) {
          t[c * n + off + r] = w.get(r, c);
        }
      }
      off += w.rows();
    }
    return Weights.f32(cols, n, t);
  }

  // ---------------------------------------------------------------- the contract

  @Override
  public LossSum accumulate(List<TrainingSequence> microBatch, long dropoutKey) {
    Batch b = new Batch(microBatch, options.dropout() > 0, dropoutKey);
    if (b.rows == 0) {
      return LossSum.ZERO;
    }
    int layers = config.numHiddenLayers();
    float[][] inputs = new float[layers + 1][];
    Pass[] kept = new Pass[layers];
    long used = 0;
    inputs[0] = embed(b);
    for (int l = 0; l < layers; l++) {
      // The last layer's activations are kept at no cost in peak memory: its backward pass,
      // which would recompute them, comes next.
      boolean last = l == layers - 1;
      Pass pass = last || used < activationBudget ? new Pass() : null;
      inputs[l + 1] = layer(b, l, inputs[l], pass, true);
      if (pass != null && (last || used + pass.bytes() <= activationBudget)) {
        kept[l] = pass;
        used += last ? 0 : pass.bytes();
      }
    }
    lastKeptLayers = (int) java.util.Arrays.stream(kept).filter(java.util.Objects::nonNull).count();
    float[] dx = new float[b.rows * config.hiddenSize()];
    LossSum loss = head(b, inputs[layers], dx);
    for (int l = layers - 1; l >= 0; l--) {
      Pass pass = kept[l];
      if (pass == null) {
        pass = new Pass();
        layer(b, l, inputs[l], pass, false); // the output is known: skip the down projection
      }
      kept[l] = null;
      inputs[l + 1] = null;
      dx = layerBackward(b, l, pass, dx);
    }
    return loss;
  }

  @Override
  public LossSum evaluate(List<TrainingSequence> batch) {
    Batch b = new Batch(batch, false, 0);
    if (b.rows == 0) {
      return LossSum.ZERO;
    }
    return head(b, hidden(b), null);
  }

  /**
   * Logits {@code [T, vocab]} of every position of one sequence with the current adapter, no
   * dropout: what the serving path computes for the same tokens with {@link #toLoadedAdapter}.
   */
  public float[] logits(int[] tokens) {
    Batch b =
        new Batch(List.of(new TrainingSequence(tokens, new boolean[tokens.length])), false, 0);
    float[] x = hidden(b);
    int h = config.hiddenSize();
    float[] normed = new float[x.length];
    backend.rmsNorm(x, null, base.weights().finalNorm(), eps(), b.rows, h, normed);
    float[] y = new float[b.rows * config.vocabSize()];
    matmulKn(normed, b.rows, headT, null, y, true);
    return y;
  }

  @Override
  public double step(double learningRate, long targetTokens) {
    if (targetTokens <= 0) {
      throw new IllegalArgumentException("a step needs at least one target token");
    }
    double sumSq = 0;
    for (LoraParameter p : parameters) {
      sumSq += divideAndSquare(p.gradA, targetTokens) + divideAndSquare(p.gradB, targetTokens);
    }
    double norm = Math.sqrt(sumSq);
    // clip_grad_norm_: coef = max_norm / (norm + 1e-6), applied when below 1.
    double max = options.maxGradNorm();
    if (max > 0 && Double.isFinite(max)) {
      double coef = max / (norm + 1e-6);
      if (coef < 1) {
        float c = (float) coef;
        for (LoraParameter p : parameters) {
          multiply(p.gradA, c);
          multiply(p.gradB, c);
        }
      }
    }
    steps++;
    double bc1 = 1 - Math.pow(options.beta1(), steps);
    double bc2 = 1 - Math.pow(options.beta2(), steps);
    for (LoraParameter p : parameters) {
      if (backend.runsTraining()) {
        backendAdamW(p.a, p.gradA, p.expAvgA, p.expAvgSqA, learningRate);
        backendAdamW(p.b, p.gradB, p.expAvgB, p.expAvgSqB, learningRate);
      } else {
        adamW(p.a, p.gradA, p.expAvgA, p.expAvgSqA, learningRate, bc1, bc2);
        adamW(p.b, p.gradB, p.expAvgB, p.expAvgSqB, learningRate, bc1, bc2);
      }
      p.zeroGradients();
    }
    return norm;
  }

  /** AdamW on the backend (fp32 arithmetic there, fp64 in {@link #adamW}). */
  private void backendAdamW(float[] p, float[] g, float[] m, float[] v, double lr) {
    backend.adamW(
        p,
        g,
        m,
        v,
        (float) lr,
        (float) options.beta1(),
        (float) options.beta2(),
        (float) options.epsilon(),
        (float) options.weightDecay(),
        Math.toIntExact(steps));
  }

  /**
   * The many-token GEMMs: on a backend that {@link Backend#runsTraining() runs training} (a
   * device), else on this trainer's CPU kernels. {@code frozen}: {@code w} is a base weight that
   * the device may keep resident.
   */
  private void matmulKn(float[] x, int rows, Weights w, float[] bias, float[] y, boolean frozen) {
    if (backend.runsTraining()) {
      backend.matmulKn(x, rows, w, bias, y, frozen);
    } else {
      kernels.matmulKn(x, rows, w, bias, y);
    }
  }

  /**
   * {@code shrunk[t, r] = x · Aᵀ}. On a training backend as {@code x · (Aᵀ)} with Aᵀ sent for this
   * call only: A changes every step, so it must not be kept by identity.
   */
  private void loraShrink(float[] x, int t, LoraParameter p, float[] shrunk) {
    if (backend.runsTraining()) {
      backend.matmulKn(
          x, t, Weights.f32(p.in, p.rank, transpose(p.a, p.rank, p.in)), null, shrunk, false);
    } else {
      backend.matmul(x, t, Weights.f32(p.rank, p.in, p.a), null, shrunk);
    }
  }

  /** {@code g[t, r] = dY · B} (B is {@code [out, r]}, already the {@code [k, n]} layout). */
  private void loraTimesB(float[] dy, int t, LoraParameter p, float[] g) {
    if (backend.runsTraining()) {
      backend.matmulKn(dy, t, Weights.f32(p.out, p.rank, p.b), null, g, false);
    } else {
      backend.matmul(dy, t, Weights.f32(p.rank, p.out, transpose(p.b, p.out, p.rank)), null, g);
    }
  }

  private static double divideAndSquare(float[] g, long n) {
    double sum = 0;
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) (g[i] / (double) n);
      sum += (double) g[i] * g[i];
    }
    return sum;
  }

  private static void multiply(float[] g, float c) {
    for (int i = 0; i < g.length; i++) {
      g[i] *= c;
    }
  }

  /**
   * torch.optim.AdamW (non-amsgrad, non-fused): {@code p ← p(1 − lr·wd)}; {@code m ← β1 m + (1 −
   * β1) g}; {@code v ← β2 v + (1 − β2) g²}; {@code p ← p − lr/bc1 · m / (√v / √bc2 + ε)}, each
   * element in fp64 and stored in fp32.
   */
  private void adamW(
      float[] p, float[] g, float[] m, float[] v, double lr, double bc1, double bc2) {
    double decay = 1 - lr * options.weightDecay();
    double b1 = options.beta1();
    double b2 = options.beta2();
    double stepSize = lr / bc1;
    double bc2Root = Math.sqrt(bc2);
    double eps = options.epsilon();
    for (int i = 0; i < p.length; i++) {
      double gi = g[i];
      double mi = b1 * m[i] + (1 - b1) * gi;
      double vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = (float) mi;
      v[i] = (float) vi;
      double denom = Math.sqrt(v[i]) / bc2Root + eps;
      p[i] = (float) (p[i] * decay - stepSize * m[i] / denom);
    }
  }

  @Override
  public Map<String, float[]> gradients() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (LoraParameter p : parameters) {
      out.put(p.nameA(), p.gradA.clone());
      out.put(p.nameB(), p.gradB.clone());
    }
    return out;
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public LoraAdapter toAdapter(DType dtype) {
    List<String> targets = options.targetModules().stream().map(LinearModule::moduleName).toList();
    AdapterConfig c =
        AdapterConfig.of(
            options.rank(), options.alpha(), targets, options.useRslora(), options.dropout());
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    for (LoraParameter p : parameters) {
      modules.put(
          p.key,
          new LoraWeights(p.key, p.rank, p.in, p.out, options.scale(), p.a.clone(), p.b.clone()));
    }
    return new LoraAdapter(c, modules, dtype);
  }

  /**
   * The adapter valid on the model given to {@link #create}. With standard init that is {@link
   * #toAdapter}. With PiSSA the trained factors only reproduce the trained model on the residual
   * base {@code W − s·B₀A₀}, so, as PEFT's {@code path_initial_model_for_weight_conversion} does,
   * the published adapter is {@code s·(B·A − B₀·A₀)} stored exactly at rank 2r: A' = [A; A₀], B' =
   * [B, −B₀], with lora_alpha chosen so that its scale is the trained one.
   */
  @Override
  public LoraAdapter toPublishedAdapter(DType dtype) {
    if (options.init() != LoraTrainingOptions.Init.PISSA) {
      return toAdapter(dtype);
    }
    int r2 = 2 * options.rank();
    double scale = options.scale();
    List<String> targets = options.targetModules().stream().map(LinearModule::moduleName).toList();
    AdapterConfig c = AdapterConfig.of(r2, scale * r2, targets, false, options.dropout());
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    for (LoraParameter p : parameters) {
      float[] a = new float[r2 * p.in];
      System.arraycopy(p.a, 0, a, 0, p.a.length);
      System.arraycopy(p.initialA, 0, a, p.a.length, p.initialA.length);
      float[] b = new float[p.out * r2];
      for (int o = 0; o < p.out; o++) {
        for (int j = 0; j < p.rank; j++) {
          b[o * r2 + j] = p.b[o * p.rank + j];
          b[o * r2 + p.rank + j] = -p.initialB[o * p.rank + j];
        }
      }
      modules.put(p.key, new LoraWeights(p.key, r2, p.in, p.out, scale, a, b));
    }
    return new LoraAdapter(c, modules, dtype);
  }

  @Override
  public TrainingState snapshot() {
    Map<String, float[]> tensors = new LinkedHashMap<>();
    Map<String, int[]> shapes = new HashMap<>();
    for (LoraParameter p : parameters) {
      int[] sa = {p.rank, p.in};
      int[] sb = {p.out, p.rank};
      put(tensors, shapes, p.nameA(), p.a, sa);
      put(tensors, shapes, p.nameA() + ".exp_avg", p.expAvgA, sa);
      put(tensors, shapes, p.nameA() + ".exp_avg_sq", p.expAvgSqA, sa);
      put(tensors, shapes, p.nameB(), p.b, sb);
      put(tensors, shapes, p.nameB() + ".exp_avg", p.expAvgB, sb);
      put(tensors, shapes, p.nameB() + ".exp_avg_sq", p.expAvgSqB, sb);
    }
    return new TrainingState(tensors, shapes, steps);
  }

  private static void put(
      Map<String, float[]> t, Map<String, int[]> s, String name, float[] v, int[] shape) {
    t.put(name, v.clone());
    s.put(name, shape.clone());
  }

  @Override
  public void restore(TrainingState state) {
    for (LoraParameter p : parameters) {
      copy(state, p.nameA(), p.a);
      copy(state, p.nameA() + ".exp_avg", p.expAvgA);
      copy(state, p.nameA() + ".exp_avg_sq", p.expAvgSqA);
      copy(state, p.nameB(), p.b);
      copy(state, p.nameB() + ".exp_avg", p.expAvgB);
      copy(state, p.nameB() + ".exp_avg_sq", p.expAvgSqB);
      p.zeroGradients();
    }
    steps = state.steps();
  }

  private static void copy(TrainingState state, String name, float[] into) {
    float[] v = state.tensors().get(name);
    if (v == null || v.length != into.length) {
      throw new IllegalArgumentException(
          "training state "
              + (v == null ? "lacks " + name : "has " + v.length + " values for " + name)
              + "; this run needs "
              + into.length);
    }
    System.arraycopy(v, 0, into, 0, into.length);
  }

  @Override
  public void close() {
    kernels.close();
  }

  // ---------------------------------------------------------------- forward

  /** One micro-batch flattened: sequence {@code s} owns rows {@code starts[s] .. starts[s+1]-1}. */
  private static final class Batch {
    final List<TrainingSequence> seqs;
    final int rows;
    final int[] starts;
    final int[] tokens;
    final int[] positions;
    final int[] negPositions;
    final boolean dropout;
    final long dropoutKey;

    Batch(List<TrainingSequence> seqs, boolean dropout, long dropoutKey) {
      this.seqs = seqs;
      this.dropout = dropout;
      this.dropoutKey = dropoutKey;
      starts = new int[seqs.size() + 1];
      for (int s = 0; s < seqs.size(); s++) {
        starts[s + 1] = starts[s] + seqs.get(s).length();
      }
      rows = starts[seqs.size()];
      tokens = new int[rows];
      positions = new int[rows];
      negPositions = new int[rows];
      for (int s = 0; s < seqs.size(); s++) {
        int[] t = seqs.get(s).tokens();
        System.arraycopy(t, 0, tokens, starts[s], t.length);
        for (int i = 0; i < t.length; i++) {
          positions[starts[s] + i] = i;
          negPositions[starts[s] + i] = -i;
        }
      }
    }
  }

  /** What the backward pass of one layer needs from its (re)computed forward. */
  private static final class Pass {
    float[] x;
    float[] n1;
    float[] q;
    float[] k;
    float[] v;
    float[] probs;
    float[] attn;
    float[] x2;
    float[] n2;
    float[] g;
    float[] u;
    float[] act;

    /** Per module ordinal: the dropped-out LoRA input, its mask (0 or 1/(1−p)), and x·Aᵀ. */
    final float[][] loraIn = new float[LinearModule.values().length][];

    final float[][] mask = new float[LinearModule.values().length][];
    final float[][] shrunk = new float[LinearModule.values().length][];

    /** Bytes held beyond the layer input. */
    long bytes() {
      long n = 0;
      for (float[] a : new float[][] {n1, q, k, v, probs, attn, x2, n2, g, u, act}) {
        n += a.length;
      }
      for (float[][] per : new float[][][] {loraIn, mask, shrunk}) {
        for (float[] a : per) {
          n += a == null || a == x || a == n1 || a == attn || a == n2 || a == act ? 0 : a.length;
        }
      }
      return 4 * n;
    }
  }

  private float eps() {
    return (float) config.rmsNormEps();
  }

  private float[] embed(Batch b) {
    float[] x = new float[b.rows * config.hiddenSize()];
    backend.embedding(base.weights().embedTokens(), b.tokens, x);
    return x;
  }

  /** The last layer's output for every row, without keeping anything for a backward pass. */
  private float[] hidden(Batch b) {
    float[] x = embed(b);
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      x = layer(b, l, x, null, true);
    }
    return x;
  }

  /**
   * One decoder layer; fills {@code pass} when non-null. Returns the layer's output, or null
   * without {@code output} (a recomputation: the down projection's base and LoRA products, which
   * only feed the output, are skipped; its LoRA input products, which its gradients need, are not).
   */
  private float[] layer(Batch b, int l, float[] x, Pass pass, boolean output) {
    LayerWeights w = base.weights().layers().get(l);
    int t = b.rows;
    int h = config.hiddenSize();
    int hq = config.numAttentionHeads();
    int hkv = config.numKeyValueHeads();
    int d = config.headDim();
    float[] n1 = new float[t * h];
    backend.rmsNorm(x, null, w.inputNorm(), eps(), t, h, n1);
    float[][] qkv = linear(b, l, w, n1, QKV, pass, true);
    backend.rope(qkv[0], t, hq, d, b.positions, invFreq);
    backend.rope(qkv[1], t, hkv, d, b.positions, invFreq);
    float[] probs =
        new float[Math.toIntExact(TrainingKernels.probOffsets(b.starts, hq)[b.seqs.size()])];
    float[] attn = new float[t * hq * d];
    kernels.attentionForward(
        qkv[0], qkv[1], qkv[2], b.starts, hq, hkv, d, attentionScale(), probs, attn);
    float[] o = linear(b, l, w, attn, O, pass, true)[0];
    float[] x2 = new float[t * h];
    for (int i = 0; i < x2.length; i++) {
      x2[i] = x[i] + o[i];
    }
    float[] n2 = new float[t * h];
    backend.rmsNorm(x2, null, w.postAttentionNorm(), eps(), t, h, n2);
    float[][] gu = linear(b, l, w, n2, GATE_UP, pass, true);
    float[] act = new float[gu[0].length];
    backend.siluMul(gu[0], gu[1], act.length, act);
    float[] down = linear(b, l, w, act, DOWN, pass, output)[0];
    float[] x3 = output ? new float[t * h] : null;
    for (int i = 0; output && i < x3.length; i++) {
      x3[i] = x2[i] + down[i];
    }
    if (pass != null) {
      pass.x = x;
      pass.n1 = n1;
      pass.q = qkv[0];
      pass.k = qkv[1];
      pass.v = qkv[2];
      pass.probs = probs;
      pass.attn = attn;
      pass.x2 = x2;
      pass.n2 = n2;
      pass.g = gu[0];
      pass.u = gu[1];
      pass.act = act;
    }
    return x3;
  }

  private float attentionScale() {
    return (float) (1 / Math.sqrt(config.headDim()));
  }

  /**
   * {@code y_j = x·W_jᵀ + b_j + s·(drop(x)·A_jᵀ)·B_jᵀ} for modules sharing the input x; without
   * {@code output} only what {@code pass} needs ({@code drop(x)}, its mask and {@code
   * drop(x)·A_jᵀ}) is computed and the outputs are null.
   */
  private float[][] linear(
      Batch b, int l, LayerWeights w, float[] x, LinearModule[] ms, Pass pass, boolean output) {
    int t = b.rows;
    GroupWeights g = forward[l];
    Weights wt;
    float[] bias;
    if (ms == QKV) {
      wt = g.qkv();
      bias = g.qkvBias();
    } else if (ms == GATE_UP) {
      wt = g.gateUp();
      bias = g.gateUpBias();
    } else {
      wt = ms[0] == LinearModule.O_PROJ ? g.o() : g.down();
      bias = w.bias(ms[0]);
    }
    float[][] ys;
    if (output) {
      float[] joined = new float[t * wt.cols()];
      matmulKn(x, t, wt, bias, joined, true);
      ys = split(joined, t, w, ms);
    } else {
      ys = new float[ms.length][];
    }
    for (int j = 0; j < ms.length; j++) {
      LoraParameter p = lora[l][ms[j].ordinal()];
      if (p == null) {
        continue;
      }
      float[] mask = b.dropout ? dropoutMask(b, p) : null;
      float[] in = x;
      if (mask != null) {
        in = new float[x.length];
        for (int i = 0; i < in.length; i++) {
          in[i] = x[i] * mask[i];
        }
      }
      float[] shrunk = new float[t * p.rank];
      loraShrink(in, t, p, shrunk);
      if (output) {
        addProduct(shrunk, scale, transpose(p.b, p.out, p.rank), p.rank, p.out, t, ys[j], null);
      }
      if (pass != null) {
        int m = ms[j].ordinal();
        pass.loraIn[m] = in;
        pass.mask[m] = mask;
        pass.shrunk[m] = shrunk;
      }
    }
    return ys;
  }

  /** The per-module outputs of a joined {@code [T, Σ out]} result. */
  private static float[][] split(float[] joined, int t, LayerWeights w, LinearModule[] ms) {
    if (ms.length == 1) {
      return new float[][] {joined};
    }
    int width = joined.length / t;
    float[][] ys = new float[ms.length][];
    int off = 0;
    for (int j = 0; j < ms.length; j++) {
      int out = w.linear(ms[j]).rows();
      ys[j] = new float[t * out];
      for (int r = 0; r < t; r++) {
        System.arraycopy(joined, r * width + off, ys[j], r * out, out);
      }
      off += out;
    }
    return ys;
  }

  /**
   * Inverted-dropout factors (0 or 1/(1−p)) for one module's input {@code [T, in]}: element (row,
   * feature) is kept when its Philox uniform is at least p.
   */
  private float[] dropoutMask(Batch b, LoraParameter p) {
    float keep = (float) (1 / (1 - options.dropout()));
    float drop = (float) options.dropout();
    long key = options.seed() + GOLDEN * b.dropoutKey;
    int k0 = (int) key;
    int k1 = (int) (key >>> 32);
    float[] mask = new float[b.rows * p.in];
    int[] ctr = new int[4];
    for (int s = 0; s < b.seqs.size(); s++) {
      for (int row = b.starts[s]; row < b.starts[s + 1]; row++) {
        for (int f = 0; f < p.in; f += 4) {
          ctr[0] = f >>> 2;
          ctr[1] = b.positions[row];
          ctr[2] = s;
          ctr[3] = p.tensorId();
          Philox.philox4x32x10(ctr, k0, k1);
          for (int e = 0; e < 4 && f + e < p.in; e++) {
            float u = (ctr[e] >>> 8) * (1f / 16777216f);
            mask[row * p.in + f + e] = u >= drop ? keep : 0f;
          }
        }
      }
    }
    return mask;
  }

  /**
   * Final norm, head and cross-entropy over the target rows. With {@code dx} non-null, writes the
   * gradient of the summed loss with respect to the last layer's output into it.
   */
  private LossSum head(Batch b, float[] x, float[] dx) {
    int h = config.hiddenSize();
    int vocab = config.vocabSize();
    float[] normed = new float[x.length];
    backend.rmsNorm(x, null, base.weights().finalNorm(), eps(), b.rows, h, normed);
    List<int[]> targets = new ArrayList<>(); // {row, target token}
    for (int s = 0; s < b.seqs.size(); s++) {
      TrainingSequence seq = b.seqs.get(s);
      for (int i = 1; i < seq.length(); i++) {
        if (seq.lossMask()[i]) {
          targets.add(new int[] {b.starts[s] + i - 1, seq.tokens()[i]});
        }
      }
    }
    float[] dNormed = dx == null ? null : new float[x.length];
    double loss = 0;
    for (int c0 = 0; c0 < targets.size(); c0 += HEAD_CHUNK) {
      int n = Math.min(HEAD_CHUNK, targets.size() - c0);
      float[] rows = new float[n * h];
      for (int i = 0; i < n; i++) {
        System.arraycopy(normed, targets.get(c0 + i)[0] * h, rows, i * h, h);
      }
      float[] logits = new float[n * vocab];
      matmulKn(rows, n, headT, null, logits, true);
      double[] rowLoss = new double[n];
      int c = c0;
      boolean grad = dNormed != null;
      kernels.forRange(
          n,
          4L * vocab,
          (from, to) -> {
            for (int i = from; i < to; i++) {
              rowLoss[i] = crossEntropy(logits, i * vocab, vocab, targets.get(c + i)[1], grad);
            }
          });
      for (double l : rowLoss) {
        loss += l;
      }
      if (dNormed != null) {
        float[] dRows = new float[n * h];
        matmulKn(logits, n, base.weights().lmHead(), null, dRows, true);
        for (int i = 0; i < n; i++) {
          TrainingKernels.axpy(1f, dRows, i * h, dNormed, targets.get(c0 + i)[0] * h, h);
        }
      }
    }
    if (dx != null) {
      rmsNormBackward(x, base.weights().finalNorm(), dNormed, b.rows, h, dx);
    }
    return new LossSum(loss, targets.size());
  }

  /**
   * {@code logsumexp(row) − row[target]}; with {@code grad}, overwrites the row with its gradient
   * {@code softmax(row) − onehot(target)}.
   */
  private static double crossEntropy(float[] l, int off, int vocab, int target, boolean grad) {
    float max = Float.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, l[off + v]);
    }
    float picked = l[off + target];
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      float e = (float) Math.exp(l[off + v] - max);
      sum += e;
      if (grad) {
        l[off + v] = e;
      }
    }
    if (grad) {
      float inv = (float) (1 / sum);
      for (int v = 0; v < vocab; v++) {
        l[off + v] *= inv;
      }
      l[off + target] -= 1f;
    }
    return max + Math.log(sum) - picked;
  }

  // ---------------------------------------------------------------- backward

  /** Given dL/d(output) of layer l, accumulates its LoRA gradients and returns dL/d(input). */
  private float[] layerBackward(Batch b, int l, Pass p, float[] dOut) {
    LayerWeights w = base.weights().layers().get(l);
    GroupWeights wt = backward[l];
    int t = b.rows;
    int h = config.hiddenSize();
    int hq = config.numAttentionHeads();
    int hkv = config.numKeyValueHeads();
    int d = config.headDim();
    // MLP: x3 = x2 + down(silu(g) ⊙ u)
    float[] dAct = linearBackward(b, l, p, DOWN, new float[][] {dOut}, p.act, wt.down());
    float[] dg = new float[p.g.length];
    float[] du = new float[p.u.length];
    kernels.forRange(
        dg.length,
        32,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            float g = p.g[i];
            float sig = (float) (1 / (1 + Math.exp(-g)));
            du[i] = dAct[i] * g * sig;
            dg[i] = dAct[i] * p.u[i] * sig * (1 + g * (1 - sig));
          }
        });
    float[] dn2 = linearBackward(b, l, p, GATE_UP, new float[][] {dg, du}, p.n2, wt.gateUp());
    float[] dx2 = dOut.clone();
    rmsNormBackward(p.x2, w.postAttentionNorm(), dn2, t, h, dx2);
    // Attention: x2 = x + o(attn(rope(q), rope(k), v))
    float[] dAttn = linearBackward(b, l, p, O, new float[][] {dx2}, p.attn, wt.o());
    float[] dq = new float[p.q.length];
    float[] dk = new float[p.k.length];
    float[] dv = new float[p.v.length];
    kernels.attentionBackward(
        p.q, p.k, p.v, b.starts, hq, hkv, d, attentionScale(), p.probs, dAttn, dq, dk, dv);
    // The rotation's transpose is the rotation by −φ.
    backend.rope(dq, t, hq, d, b.negPositions, invFreq);
    backend.rope(dk, t, hkv, d, b.negPositions, invFreq);
    float[] dn1 = linearBackward(b, l, p, QKV, new float[][] {dq, dk, dv}, p.n1, wt.qkv());
    float[] dx = dx2;
    rmsNormBackward(p.x, w.inputNorm(), dn1, t, h, dx);
    return dx;
  }

  /**
   * Backward of {@link #linear} for modules sharing input {@code x}: accumulates each target's
   * {@code dA = s·(dY·B)ᵀ·drop(x)} and {@code dB = s·dYᵀ·(drop(x)·Aᵀ)}, returns {@code dX = Σ_j
   * dY_j·W_j + s·((dY_j·B_j)·A_j) ⊙ mask_j}.
   */
  private float[] linearBackward(
      Batch b, int l, Pass pass, LinearModule[] ms, float[][] dys, float[] x, Weights w) {
    int t = b.rows;
    int in = w.cols();
    float[] dy = dys[0];
    if (ms.length > 1) {
      int width = w.rows();
      dy = new float[t * width];
      int off = 0;
      for (float[] part : dys) {
        int pw = part.length / t;
        for (int r = 0; r < t; r++) {
          System.arraycopy(part, r * pw, dy, r * width + off, pw);
        }
        off += pw;
      }
    }
    float[] dx = new float[t * in];
    matmulKn(dy, t, w, null, dx, true);
    for (int j = 0; j < ms.length; j++) {
      LoraParameter p = lora[l][ms[j].ordinal()];
      if (p == null) {
        continue;
      }
      int m = ms[j].ordinal();
      int r = p.rank;
      float[] dyj = dys[j];
      // G = s·dY·B  [T, r]
      float[] g = new float[t * r];
      loraTimesB(dyj, t, p, g);
      for (int i = 0; i < g.length; i++) {
        g[i] *= scale;
      }
      // dB [out, r] = s·dYᵀ·U, computed as its transpose (U·s)ᵀ·dY: [r, out]
      float[] uT = transpose(pass.shrunk[m], t, r);
      for (int i = 0; i < uT.length; i++) {
        uT[i] *= scale;
      }
      float[] dbT = new float[r * p.out];
      matmulKn(uT, r, Weights.f32(t, p.out, dyj), null, dbT, false);
      for (int o = 0; o < p.out; o++) {
        for (int k = 0; k < r; k++) {
          p.gradB[o * r + k] += dbT[k * p.out + o];
        }
      }
      // dA [r, in] = Gᵀ·drop(x)
      float[] in0 = pass.mask[m] == null ? x : pass.loraIn[m];
      float[] da = new float[r * in];
      matmulKn(transpose(g, t, r), r, Weights.f32(t, in, in0), null, da, false);
      for (int i = 0; i < da.length; i++) {
        p.gradA[i] += da[i];
      }
      // dX += (G·A) ⊙ mask
      addProduct(g, 1f, p.a, r, in, t, dx, pass.mask[m]);
    }
    return dx;
  }

  /**
   * {@code y[t, :] += (s · Σ_j u[t, j] · rows[j, :]) ⊙ mask[t, :]} for {@code u [T, r]} and {@code
   * rows [r, n]}: a rank-r product as r row updates per token (no length-r dot products and their
   * lane reductions); mask may be null. Parallel over tokens, j in order.
   */
  private void addProduct(
      float[] u, float s, float[] rows, int r, int n, int tokens, float[] y, float[] mask) {
    kernels.forRange(
        tokens,
        (long) r * n,
        (from, to) -> {
          float[] acc = mask == null ? null : new float[n];
          for (int t = from; t < to; t++) {
            float[] target = mask == null ? y : acc;
            int off = mask == null ? t * n : 0;
            if (acc != null) {
              java.util.Arrays.fill(acc, 0f);
            }
            for (int j = 0; j < r; j++) {
              TrainingKernels.axpy(s * u[t * r + j], rows, j * n, target, off, n);
            }
            if (mask != null) {
              for (int i = 0; i < n; i++) {
                y[t * n + i] += acc[i] * mask[t * n + i];
              }
            }
          }
        });
  }

  /**
   * Adds the RMSNorm input gradient to {@code dx}: for {@code y = w ⊙ z · ρ}, {@code ρ = (mean(z²)
   * + ε)^(−1/2)}: {@code dz = ρ·(w ⊙ dy) − z·ρ³·(Σ w ⊙ dy ⊙ z)/dim} (per row, fp64 sums).
   */
  private void rmsNormBackward(float[] z, float[] w, float[] dy, int rows, int dim, float[] dx) {
    double eps = config.rmsNormEps();
    kernels.forRange(
        rows,
        4L * dim,
        (from, to) -> {
          for (int t = from; t < to; t++) {
            int o = t * dim;
            double ss = 0;
            double dot = 0;
            for (int i = 0; i < dim; i++) {
              double zi = z[o + i];
              ss += zi * zi;
              dot += (double) w[i] * dy[o + i] * zi;
            }
            double rho = 1 / Math.sqrt(ss / dim + eps);
            double c = rho * rho * rho * dot / dim;
            for (int i = 0; i < dim; i++) {
              dx[o + i] += (float) (rho * w[i] * dy[o + i] - z[o + i] * c);
            }
          }
        });
  }

  private static float[] transpose(float[] m, int rows, int cols) {
    float[] t = new float[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = m[r * cols + c];
      }
    }
    return t;
  }
}
