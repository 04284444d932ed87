package io.lorafleet.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Vector API inner loops: fp32 dot products (1 and 4 rows at once) and bf16 widening. */
final class VectorKernels {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  // As many shorts as F has floats, so one bf16 load widens into one float vector.
  private static final VectorSpecies<Short> S =
      ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.length() * 16));

  // Rotations by len/2, len/4, ... 1 lanes for a fixed-order tree sum (see sum()).
  private static final VectorShuffle<Float>[] HALVES = halves();

  private VectorKernels() {}

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] halves() {
    int steps = Integer.numberOfTrailingZeros(F.length());
    VectorShuffle<Float>[] s = (VectorShuffle<Float>[]) new VectorShuffle<?>[steps];
    for (int i = 0; i < steps; i++) {
      s[i] = VectorShuffle.iota(F, F.length() >> (i + 1), 1, true);
    }
    return s;
  }

  /**
   * Sum of the lanes in a fixed order built from lanewise adds. {@code reduceLanes(ADD)} may sum in
   * a different order once C2 compiles it than in the interpreter, which would make a result depend
   * on JIT timing; lanewise adds are exact per lane, so this sum is the same at every tier.
   */
  static float sum(FloatVector v) {
    for (VectorShuffle<Float> s : HALVES) {
      v = v.add(v.rearrange(s));
    }
    return v.lane(0);
  }

  static float dot(float[] a, int ao, float[] b, int bo, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    int bound = F.loopBound(n);
    for (; i < bound; i += F.length()) {
      acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
    }
    float s = sum(acc);
    for (; i < n; i++) {
      s += a[ao + i] * b[bo + i];
    }
    return s;
  }

  /**
   * Dot products of one weight row with four activation rows at once, so the row is loaded once per
   * four tokens; results go to {@code out[0..3]}.
   */
  static void dot4(float[] w, int wo, float[] x, int x0, int stride, int n, float[] out) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int x1 = x0 + stride;
    int x2 = x1 + stride;
    int x3 = x2 + stride;
    int i = 0;
    int bound = F.loopBound(n);
    for (; i < bound; i += F.length()) {
      FloatVector wv = FloatVector.fromArray(F, w, wo + i);
      a0 = FloatVector.fromArray(F, x, x0 + i).fma(wv, a0);
      a1 = FloatVector.fromArray(F, x, x1 + i).fma(wv, a1);
      a2 = FloatVector.fromArray(F, x, x2 + i).fma(wv, a2);
      a3 = FloatVector.fromArray(F, x, x3 + i).fma(wv, a3);
    }
    float s0 = sum(a0);
    float s1 = sum(a1);
    float s2 = sum(a2);
    float s3 = sum(a3);
    for (; i < n; i++) {
      float wi = w[wo + i];
      s0 += x[x0 + i] * wi;
      s1 += x[x1 + i] * wi;
      s2 += x[x2 + i] * wi;
      s3 += x[x3 + i] * wi;
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  /** {@code y[yo..yo+n) += s · x[xo..xo+n)}. */
  static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
    FloatVector sv = FloatVector.broadcast(F, s);
    int i = 0;
    int bound = F.loopBound(n);
    for (; i < bound; i += F.length()) {
      FloatVector.fromArray(F, x, xo + i)
          .fma(sv, FloatVector.fromArray(F, y, yo + i))
          .intoArray(y, yo + i);
    }
    for (; i < n; i++) {
      y[yo + i] += s * x[xo + i];
    }
  }

  /** Widens {@code n} bf16 values (raw bits) to fp32: the bits are the top half of a float. */
  static void bf16ToF32(short[] src, int so, float[] dst, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += S.length()) {
      ((IntVector) ShortVector.fromArray(S, src, so + i).convertShape(VectorOperators.S2I, I, 0))
          .lanewise(VectorOperators.LSHL, 16)
          .reinterpretAsFloats()
          .intoArray(dst, i);
    }
    for (; i < n; i++) {
      dst[i] = Float.intBitsToFloat((src[so + i] & 0xffff) << 16);
    }
  }
}
