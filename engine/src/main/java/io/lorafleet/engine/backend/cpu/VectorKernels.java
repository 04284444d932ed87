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

  /**
   * Dot product with four independent accumulators, so consecutive FMAs do not wait on each other
   * (one chain would be bound by FMA latency, not by loads).
   */
  static float dot(float[] a, int ao, float[] b, int bo, int n) {
    int step = F.length();
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    FloatVector acc2 = FloatVector.zero(F);
    FloatVector acc3 = FloatVector.zero(F);
    int i = 0;
    int bound4 = n - 4 * step + 1;
    for (; i < bound4; i += 4 * step) {
      acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
      acc1 =
          FloatVector.fromArray(F, a, ao + i + step)
              .fma(FloatVector.fromArray(F, b, bo + i + step), acc1);
      acc2 =
          FloatVector.fromArray(F, a, ao + i + 2 * step)
              .fma(FloatVector.fromArray(F, b, bo + i + 2 * step), acc2);
      acc3 =
          FloatVector.fromArray(F, a, ao + i + 3 * step)
              .fma(FloatVector.fromArray(F, b, bo + i + 3 * step), acc3);
    }
    int bound = F.loopBound(n);
    for (; i < bound; i += step) {
      acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
    }
    float s = sum(acc0.add(acc1).add(acc2.add(acc3)));
    for (; i < n; i++) {
      s += a[ao + i] * b[bo + i];
    }
    return s;
  }

  /**
   * Dot products of one weight row with four activation rows at once, so each weight vector loaded
   * feeds four FMAs; results go to {@code out[0..3]}. Every row is summed in exactly the order of
   * {@link #dot} (four accumulators over blocks of four vectors, then single vectors, then the
   * scalar tail), so a row's result does not depend on how many rows share the batch.
   */
  static void dot4(float[] w, int wo, float[] x, int x0, int stride, int n, float[] out) {
    int step = F.length();
    FloatVector a00 = FloatVector.zero(F);
    FloatVector a01 = FloatVector.zero(F);
    FloatVector a02 = FloatVector.zero(F);
    FloatVector a03 = FloatVector.zero(F);
    FloatVector a10 = FloatVector.zero(F);
    FloatVector a11 = FloatVector.zero(F);
    FloatVector a12 = FloatVector.zero(F);
    FloatVector a13 = FloatVector.zero(F);
    FloatVector a20 = FloatVector.zero(F);
    FloatVector a21 = FloatVector.zero(F);
    FloatVector a22 = FloatVector.zero(F);
    FloatVector a23 = FloatVector.zero(F);
    FloatVector a30 = FloatVector.zero(F);
    FloatVector a31 = FloatVector.zero(F);
    FloatVector a32 = FloatVector.zero(F);
    FloatVector a33 = FloatVector.zero(F);
    int i = 0;
    int bound4 = n - 4 * step + 1;
    for (; i < bound4; i += 4 * step) {
      FloatVector w0 = FloatVector.fromArray(F, w, wo + i);
      FloatVector w1 = FloatVector.fromArray(F, w, wo + i + step);
      FloatVector w2 = FloatVector.fromArray(F, w, wo + i + 2 * step);
      FloatVector w3 = FloatVector.fromArray(F, w, wo + i + 3 * step);
      int p00 = x0 + i;
      int p10 = p00 + stride;
      int p20 = p10 + stride;
      int p30 = p20 + stride;
      a00 = FloatVector.fromArray(F, x, p00).fma(w0, a00);
      a01 = FloatVector.fromArray(F, x, p00 + step).fma(w1, a01);
      a02 = FloatVector.fromArray(F, x, p00 + 2 * step).fma(w2, a02);
      a03 = FloatVector.fromArray(F, x, p00 + 3 * step).fma(w3, a03);
      a10 = FloatVector.fromArray(F, x, p10).fma(w0, a10);
      a11 = FloatVector.fromArray(F, x, p10 + step).fma(w1, a11);
      a12 = FloatVector.fromArray(F, x, p10 + 2 * step).fma(w2, a12);
      a13 = FloatVector.fromArray(F, x, p10 + 3 * step).fma(w3, a13);
      a20 = FloatVector.fromArray(F, x, p20).fma(w0, a20);
      a21 = FloatVector.fromArray(F, x, p20 + step).fma(w1, a21);
      a22 = FloatVector.fromArray(F, x, p20 + 2 * step).fma(w2, a22);
      a23 = FloatVector.fromArray(F, x, p20 + 3 * step).fma(w3, a23);
      a30 = FloatVector.fromArray(F, x, p30).fma(w0, a30);
      a31 = FloatVector.fromArray(F, x, p30 + step).fma(w1, a31);
      a32 = FloatVector.fromArray(F, x, p30 + 2 * step).fma(w2, a32);
      a33 = FloatVector.fromArray(F, x, p30 + 3 * step).fma(w3, a33);
    }
    int bound = F.loopBound(n);
    for (; i < bound; i += step) {
      FloatVector w0 = FloatVector.fromArray(F, w, wo + i);
      a00 = FloatVector.fromArray(F, x, x0 + i).fma(w0, a00);
      a10 = FloatVector.fromArray(F, x, x0 + stride + i).fma(w0, a10);
      a20 = FloatVector.fromArray(F, x, x0 + 2 * stride + i).fma(w0, a20);
      a30 = FloatVector.fromArray(F, x, x0 + 3 * stride + i).fma(w0, a30);
    }
    float s0 = sum(a00.add(a01).add(a02.add(a03)));
    float s1 = sum(a10.add(a11).add(a12.add(a13)));
    float s2 = sum(a20.add(a21).add(a22.add(a23)));
    float s3 = sum(a30.add(a31).add(a32.add(a33)));
    for (; i < n; i++) {
      float wi = w[wo + i];
      s0 += wi * x[x0 + i];
      s1 += wi * x[x0 + stride + i];
      s2 += wi * x[x0 + 2 * stride + i];
      s3 += wi * x[x0 + 3 * stride + i];
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
