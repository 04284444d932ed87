package io.lorafleet.trainer.run;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.train.LoraTrainingOptions;
import java.util.Locale;

/**
 * How many bytes of layer activations the engine's trainer keeps from the forward pass for the
 * backward pass instead of recomputing those layers ({@code LoraTrainer.create(model, options,
 * threads, budgetBytes)}). Results are the same bytes either way; keeping is faster
 * (bench/training.md) and recomputing needs less memory.
 *
 * <p>{@link #auto()} (the default): {@value #HEAP_FRACTION} of the JVM's maximum heap, less the
 * heap in use when training starts (base model, tokenized data) and the trainer's own copies
 * ({@link #trainerBytes}); never below 0. The rest of the heap stays free for one step's other
 * buffers and the collector. A fixed size ({@code --activation-memory 2g}, or {@code 0} to
 * recompute every layer) overrides it.
 */
public record ActivationMemory(long fixedBytes) {
  /** Share of the maximum heap that the resident state and the kept activations may fill. */
  public static final double HEAP_FRACTION = 0.7;

  private static final long AUTO = -1;
  private static final System.Logger LOG = System.getLogger(ActivationMemory.class.getName());

  public static ActivationMemory auto() {
    return new ActivationMemory(AUTO);
  }

  public static ActivationMemory bytes(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("activation memory must be at least 0, got " + n);
    }
    return new ActivationMemory(n);
  }

  public boolean isAuto() {
    return fixedBytes == AUTO;
  }

  /**
   * {@code auto}, or a byte count with an optional binary suffix: {@code 0}, {@code 768m}, {@code
   * 4g}.
   */
  public static ActivationMemory parse(String s) {
    String v = s.strip().toLowerCase(Locale.ROOT);
    if (v.equals("auto")) {
      return auto();
    }
    long unit = 1;
    char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
    switch (last) {
      case 'k' -> unit = 1L << 10;
      case 'm' -> unit = 1L << 20;
      case 'g' -> unit = 1L << 30;
      default -> {}
    }
    String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(
          "activation memory must be 'auto' or a size such as 0, 512m or 4g, got '" + s + "'");
    }
    try {
      return bytes(Math.multiplyExact(Long.parseLong(digits), unit));
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("activation memory '" + s + "' is too large");
    }
  }

  /** The budget for a trainer on {@code model} with {@code options}, measured now for auto. */
  public long budget(ModelConfig model, LoraTrainingOptions options) {
    if (!isAuto()) {
      LOG.log(
          System.Logger.Level.INFO, "activation memory: " + (fixedBytes >> 20) + " MiB (fixed)");
      return fixedBytes;
    }
    Runtime rt = Runtime.getRuntime();
    System.gc(); // what is in use now, not garbage from loading the model and the data
    long used = rt.totalMemory() - rt.freeMemory();
    long trainer = trainerBytes(model, options);
    long budget = autoBudget(rt.maxMemory(), used, trainer);
    LOG.log(
        System.Logger.Level.INFO,
        String.format(
            Locale.ROOT,
            "activation memory: up to %d MiB kept (%.1f x max heap %d MiB, less %d MiB in use and"
                + " %d MiB of trainer copies); --activation-memory overrides",
            budget >> 20,
            HEAP_FRACTION,
            rt.maxMemory() >> 20,
            used >> 20,
            trainer >> 20));
    return budget;
  }

  /** {@code HEAP_FRACTION · maxHeap − used − trainer}, at least 0. */
  public static long autoBudget(long maxHeap, long used, long trainer) {
    return Math.max(0, (long) (HEAP_FRACTION * maxHeap) - used - trainer);
  }

  /**
   * What the engine's trainer allocates beyond the loaded fp32 base model: the transposed copy of
   * every decoder-layer weight and of the head (forward matmuls), q/k/v and gate/up stacked (input
   * gradients), and per LoRA module A and B with their gradients and AdamW moments (plus the
   * initial factors and the fp32 residual weight with PiSSA).
   */
  public static long trainerBytes(ModelConfig c, LoraTrainingOptions o) {
    long floats = (long) c.vocabSize() * c.hiddenSize(); // head, transposed
    for (LinearModule m : LinearModule.values()) {
      if (!m.inDecoderLayer()) {
        continue;
      }
      long weight = c.shape(m).out() * c.shape(m).in();
      boolean stacked = m != LinearModule.O_PROJ && m != LinearModule.DOWN_PROJ;
      floats += c.numHiddenLayers() * weight * (stacked ? 2 : 1);
    }
    boolean pissa = o.init() == LoraTrainingOptions.Init.PISSA;
    for (LinearModule m : o.targetModules()) {
      long factors = (long) o.rank() * (c.shape(m).in() + c.shape(m).out());
      long perLayer = factors * (pissa ? 10 : 8) + (pissa ? c.shape(m).out() * c.shape(m).in() : 0);
      floats += c.numHiddenLayers() * perLayer;
    }
    return 4 * floats;
  }
}
