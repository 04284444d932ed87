package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.cpu.TrainingKernels;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.RopeFrequencies;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * LoRA training on the CPU: forward and backward over a frozen Llama-family base (RMSNorm, RoPE
 * with scaling, GQA, optional linear biases, tied or untied head, SiLU-gated MLP), with {@code y =
 * W x + b + s · B A dropout(x)} on every target module, softmax cross-entropy over the target
 * positions, AdamW as {@code torch.optim.AdamW} and global-norm clipping as {@code
 * torch.nn.utils.clip_grad_norm_}.
 *
 * <p>This class runs a micro-batch through its parts, one job each: the parameters ({@link
 * LoraParameters}, initialised by {@link LoraInit}), the base in training layouts ({@link
 * TrainingWeights}), the forward pass ({@link TrainingForward}), the loss ({@link LossHead}), the
 * backward pass ({@link TrainingBackward}), the optimizer ({@link AdamW}) and what leaves a run
 * ({@link LoraExports}).
 *
 * <p>Memory: by default only each layer's input is kept through the forward pass and every layer is
 * recomputed during the backward pass; {@link #create(LlamaModel, LoraTrainingOptions, int, long)}
 * can keep a budget of activations instead.
 *
 * <p>Numerics: fp32 activations and gradients; norms, rotary embedding and SiLU are the inference
 * {@link Backend}'s own operations and attention is computed as the CPU backend does; the
 * many-token matmuls use {@link TrainingKernels#matmulKn} (the same products, one fma chain per
 * output), so the training forward gives the serving path's logits to fp32 rounding.
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
  private final LlamaModel base;
  private final ModelConfig config;
  private final LoraTrainingOptions options;
  private final LoraParameters parameters;
  private final TrainingOps ops;
  private final TrainingForward forward;
  private final TrainingBackward backward;
  private final LossHead head;
  private final AdamW optimizer;
  private final long activationBudget;

  /** Layers whose activations the last {@link #accumulate} kept (for tests). */
  int lastKeptLayers;

  private LoraTrainer(
      LlamaModel model, LoraTrainingOptions options, int threads, long activationBudget) {
    this.activationBudget = activationBudget;
    this.config = model.config();
    this.options = options;
    this.parameters = new LoraParameters(config, options);
    this.base = LoraInit.apply(model, parameters, options);
    this.ops = new TrainingOps(model.backend(), threads);
    TrainingWeights weights = new TrainingWeights(base);
    float[] invFreq = RopeFrequencies.of(config);
    this.forward = new TrainingForward(base, ops, weights, parameters, options, invFreq);
    this.backward = new TrainingBackward(base, ops, weights, parameters, options, invFreq);
    this.head = new LossHead(base, ops, weights);
    this.optimizer = new AdamW(parameters, options, model.backend());
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

  @Override
  public LossSum accumulate(List<TrainingSequence> microBatch, long dropoutKey) {
    TrainingBatch b = new TrainingBatch(microBatch, options.dropout() > 0, dropoutKey);
    if (b.rows == 0) {
      return LossSum.ZERO;
    }
    int layers = config.numHiddenLayers();
    float[][] inputs = new float[layers + 1][];
    LayerActivations[] kept = new LayerActivations[layers];
    long used = 0;
    inputs[0] = forward.embed(b);
    for (int l = 0; l < layers; l++) {
      // The last layer's activations are kept at no cost in peak memory: its backward pass,
      // which would recompute them, comes next.
      boolean last = l == layers - 1;
      LayerActivations pass = last || used < activationBudget ? new LayerActivations() : null;
      inputs[l + 1] = forward.layer(b, l, inputs[l], pass, true);
      if (pass != null && (last || used + pass.bytes() <= activationBudget)) {
        kept[l] = pass;
        used += last ? 0 : pass.bytes();
      }
    }
    lastKeptLayers = (int) Arrays.stream(kept).filter(Objects::nonNull).count();
    float[] dx = new float[b.rows * config.hiddenSize()];
    LossSum loss = head.loss(b, inputs[layers], dx);
    for (int l = layers - 1; l >= 0; l--) {
      LayerActivations pass = kept[l];
      if (pass == null) {
        pass = new LayerActivations();
        forward.layer(
            b, l, inputs[l], pass, false); // the output is known: skip the down projection
      }
      kept[l] = null;
      inputs[l + 1] = null;
      dx = backward.layer(b, l, pass, dx);
    }
    return loss;
  }

  @Override
  public LossSum evaluate(List<TrainingSequence> batch) {
    TrainingBatch b = new TrainingBatch(batch, false, 0);
    if (b.rows == 0) {
      return LossSum.ZERO;
    }
    return head.loss(b, forward.hidden(b), null);
  }

  /**
   * Logits {@code [T, vocab]} of every position of one sequence with the current adapter, no
   * dropout: what the serving path computes for the same tokens with {@link #toLoadedAdapter}.
   */
  public float[] logits(int[] tokens) {
    TrainingBatch b =
        new TrainingBatch(
            List.of(new TrainingSequence(tokens, new boolean[tokens.length])), false, 0);
    return head.logits(forward.hidden(b), b.rows);
  }

  @Override
  public double step(double learningRate, long targetTokens) {
    return optimizer.step(learningRate, targetTokens);
  }

  @Override
  public Map<String, float[]> gradients() {
    return LoraExports.gradients(parameters);
  }

  @Override
  public long steps() {
    return optimizer.steps();
  }

  @Override
  public LoraAdapter toAdapter(DType dtype) {
    return LoraExports.adapter(parameters, options, dtype);
  }

  /**
   * The adapter valid on the model given to {@link #create}: {@link #toAdapter} with standard init,
   * the rank-2r conversion with PiSSA ({@link LoraExports#published}).
   */
  @Override
  public LoraAdapter toPublishedAdapter(DType dtype) {
    return LoraExports.published(parameters, options, dtype);
  }

  @Override
  public TrainingState snapshot() {
    return LoraExports.snapshot(parameters, optimizer.steps());
  }

  @Override
  public void restore(TrainingState state) {
    LoraExports.restore(parameters, state);
    optimizer.restoreSteps(state.steps());
  }

  @Override
  public void close() {
    ops.close();
  }
}
