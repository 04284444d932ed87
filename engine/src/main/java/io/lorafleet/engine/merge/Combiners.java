package io.lorafleet.engine.merge;

import java.util.Arrays;
import java.util.List;

/**
 * The element-wise combiners of algorithms.md A2/A3 on same-shape task tensors (flat fp64 arrays;
 * for LoRA, the full deltas {@code s_i · B_i · A_i} of one module). Inputs are never modified.
 */
public final class Combiners {
  private Combiners() {}

  /** How TIES elects the sign of an element. */
  public enum MajoritySign {
    /** Sign of the sum of the trimmed values (default). */
    TOTAL,
    /** Sign of the sum of the signs of the trimmed values. */
    FREQUENCY
  }

  /** Task arithmetic: {@code Σ w_i · τ_i}. */
  public static double[] linear(List<double[]> tasks, double[] weights) {
    double[] out = new double[length(tasks, weights)];
    for (int t = 0; t < tasks.size(); t++) {
      double[] x = tasks.get(t);
      double w = weights[t];
      for (int i = 0; i < out.length; i++) {
        out[i] += w * x[i];
      }
    }
    return out;
  }

  /**
   * Trim: keeps the {@code k = floor(density · n)} entries of largest magnitude, ties broken by
   * ascending index, and zeroes the rest. {@code density >= 1} returns a copy; negative densities
   * and non-finite values are rejected.
   */
  public static double[] prune(double[] task, double density) {
    checkFinite(task);
    if (density < 0 || Double.isNaN(density)) {
      throw new IllegalArgumentException("density must be >= 0, not " + density);
    }
    if (density >= 1) {
      return task.clone();
    }
    int n = task.length;
    int k = (int) Math.floor(density * n);
    double[] out = new double[n];
    if (k == 0) {
      return out;
    }
    double[] mags = new double[n];
    for (int i = 0; i < n; i++) {
      mags[i] = Math.abs(task[i]);
    }
    Arrays.sort(mags);
    double threshold = mags[n - k];
    int above = 0;
    for (int i = 0; i < n; i++) {
      if (Math.abs(task[i]) > threshold) {
        above++;
      }
    }
    int tiesLeft = k - above;
    for (int i = 0; i < n; i++) {
      double m = Math.abs(task[i]);
      if (m > threshold) {
        out[i] = task[i];
      } else if (m == threshold && tiesLeft > 0) {
        out[i] = task[i];
        tiesLeft--;
      }
    }
    return out;
  }

  /** Magnitude pruning without election: {@code Σ w_i · prune(τ_i, density)}. */
  public static double[] magnitudePrune(List<double[]> tasks, double[] weights, double density) {
    return linear(tasks.stream().map(t -> prune(t, density)).toList(), weights);
  }

  /** TIES: trim each task to {@code density}, then {@link #electAndMean}. */
  public static double[] ties(
      List<double[]> tasks, double[] weights, double density, MajoritySign sign) {
    return electAndMean(tasks.stream().map(t -> prune(t, density)).toList(), weights, sign);
  }

  /**
   * Sign election and disjoint mean on already trimmed (or dropped) tensors {@code P_i}: {@code M =
   * Σ P_i} (total) or {@code Σ sign(P_i)} (frequency), {@code γ = +1 where M >= 0 else -1}, and the
   * result {@code Σ w_i · P_i · [sign(P_i) = γ] / max(1, Σ [sign(P_i) = γ])}: the sign is elected
   * on the unweighted values, weights enter only the numerator, and the divisor is a count.
   */
  public static double[] electAndMean(List<double[]> pruned, double[] weights, MajoritySign sign) {
    int n = length(pruned, weights);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double m = 0;
      for (double[] p : pruned) {
        m += sign == MajoritySign.TOTAL ? p[i] : Math.signum(p[i]);
      }
      double gamma = m >= 0 ? 1 : -1;
      double num = 0;
      int count = 0;
      for (int t = 0; t < pruned.size(); t++) {
        double v = pruned.get(t)[i];
        if (Math.signum(v) == gamma) {
          num += weights[t] * v;
          count++;
        }
      }
      out[i] = num / Math.max(1, count);
    }
    return out;
  }

  /**
   * DARE drop and rescale: element {@code i} is kept, divided by {@code density}, when {@link
   * Philox#uniform(long, int, int, long) Philox.uniform(seed, tensorId, stream, i)} is below {@code
   * density}, else it becomes 0. {@code density >= 1} returns a copy; {@code density <= 0} is
   * rejected (the rescale would be 0/0).
   */
  public static double[] dare(double[] task, double density, long seed, int tensorId, int stream) {
    checkFinite(task);
    if (!(density > 0)) {
      throw new IllegalArgumentException("DARE density must be in (0, 1], not " + density);
    }
    if (density >= 1) {
      return task.clone();
    }
    double[] out = new double[task.length];
    for (int i = 0; i < task.length; i++) {
      if (Philox.uniform(seed, tensorId, stream, i) < density) {
        out[i] = task[i] / density;
      }
    }
    return out;
  }

  /** DARE with a given keep mask instead of a drawn one: kept entries divided by density. */
  static double[] dareWithMask(double[] task, boolean[] keep, double density) {
    double[] out = new double[task.length];
    for (int i = 0; i < task.length; i++) {
      out[i] = keep[i] ? task[i] / density : 0;
    }
    return out;
  }

  private static int length(List<double[]> tasks, double[] weights) {
    if (tasks.isEmpty() || tasks.size() != weights.length) {
      throw new IllegalArgumentException(
          tasks.size() + " tasks and " + weights.length + " weights");
    }
    int n = tasks.get(0).length;
    for (double[] t : tasks) {
      if (t.length != n) {
        throw new IllegalArgumentException("task tensors differ in size: " + n + " vs " + t.length);
      }
    }
    return n;
  }

  private static void checkFinite(double[] task) {
    for (double v : task) {
      if (!Double.isFinite(v)) {
        throw new UnmergeableSourcesException("task tensor contains " + v);
      }
    }
  }
}
