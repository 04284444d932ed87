package io.lorafleet.engine.backend.cpu;

import jdk.incubator.vector.ByteVector;
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

  // As many bytes as F has floats, so one int8 load widens into one float vector.
  private static final VectorSpecies<Byte> B =
      ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.length() * 8));
  private static final int Q8_BLOCK = io.lorafleet.engine.backend.Q8Blocks.BLOCK;

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
   * Dot product with two independent accumulators (even and odd vectors), so consecutive FMAs do
   * not all wait on one another; more accumulators did not help here, and in {@link #dot4} (which
   * must sum in the same order) four per row spill registers and run three times slower.
   */
  static float dot(float[] a, int ao, float[] b, int bo, int n) {
    int step = F.length();
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    int bound2 = n - 2 * step + 1;
    for (; i < bound2; i += 2 * step) {
      acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
      acc1 =
          FloatVector.fromArray(F, a, ao + i + step)
              .fma(FloatVector.fromArray(F, b, bo + i + step), acc1);
    }
    if (i < F.loopBound(n)) {
      acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
      i += step;
    }
    float s = sum(acc0.add(acc1));
    for (; i < n; i++) {
      s += a[ao + i] * b[bo + i];
    }
    return s;
  }

  /**
   * Dot products of one weight row with four activation rows at once, so each weight vector loaded
   * feeds four FMAs; results go to {@code out[0..3]}. Every row is summed in exactly the order of
   * {@link #dot} (two accumulators, a last single vector, then the scalar tail), so a row's result
   * does not depend on how many rows share the batch.
   */
  static void dot4(float[] w, int wo, float[] x, int x0, int stride, int n, float[] out) {
    int step = F.length();
    int x1 = x0 + stride;
    int x2 = x1 + stride;
    int x3 = x2 + stride;
    FloatVector a00 = FloatVector.zero(F);
    FloatVector a01 = FloatVector.zero(F);
    FloatVector a10 = FloatVector.zero(F);
    FloatVector a11 = FloatVector.zero(F);
    FloatVector a20 = FloatVector.zero(F);
    FloatVector a21 = FloatVector.zero(F);
    FloatVector a30 = FloatVector.zero(F);
    FloatVector a31 = FloatVector.zero(F);
    int i = 0;
    int bound2 = n - 2 * step + 1;
    for (; i < bound2; i += 2 * step) {
      FloatVector w0 = FloatVector.fromArray(F, w, wo + i);
      FloatVector w1 = FloatVector.fromArray(F, w, wo + i + step);
      a00 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a00);
      a01 = w1.fma(FloatVector.fromArray(F, x, x0 + i + step), a01);
      a10 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a10);
      a11 = w1.fma(FloatVector.fromArray(F, x, x1 + i + step), a11);
      a20 = w0.fma(FloatVector.fromArray(F, x, x2 + i), a20);
      a21 = w1.fma(FloatVector.fromArray(F, x, x2 + i + step), a21);
      a30 = w0.fma(FloatVector.fromArray(F, x, x3 + i), a30);
      a31 = w1.fma(FloatVector.fromArray(F, x, x3 + i + step), a31);
    }
    if (i < F.loopBound(n)) {
      FloatVector w0 = FloatVector.fromArray(F, w, wo + i);
      a00 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a00);
      a10 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a10);
      a20 = w0.fma(FloatVector.fromArray(F, x, x2 + i), a20);
      a30 = w0.fma(FloatVector.fromArray(F, x, x3 + i), a30);
      i += step;
    }
    float s0 = sum(a00.add(a01));
    float s1 = sum(a10.add(a11));
    float s2 = sum(a20.add(a21));
    float s3 = sum(a30.add(a31));
    for (; i < n; i++) {
      float wi = w[wo + i];
      s0 += wi * x[x0 + i];
      s1 += wi * x[x1 + i];
      s2 += wi * x[x2 + i];
      s3 += wi * x[x3 + i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  /**
   * {@link #dot} of four consecutive weight rows ({@code wo}, {@code wo + n}, ...) with one
   * activation row, each row summed in exactly the order of {@link #dot} (two accumulators, a last
   * single vector, the scalar tail), so each result equals that row's {@link #dot}. Four weight
   * streams in flight, and one activation load per vector shared by them, keep the memory system
   * busier than one row at a time: single-stream decode is bound by how fast the weights stream in.
   */
  static void dotRows4F32(float[] w, int wo, float[] x, int xo, int n, float[] out) {
    int step = F.length();
    FloatVector a00 = FloatVector.zero(F);
    FloatVector a01 = FloatVector.zero(F);
    FloatVector a10 = FloatVector.zero(F);
    FloatVector a11 = FloatVector.zero(F);
    FloatVector a20 = FloatVector.zero(F);
    FloatVector a21 = FloatVector.zero(F);
    FloatVector a30 = FloatVector.zero(F);
    FloatVector a31 = FloatVector.zero(F);
    int r1 = wo + n;
    int r2 = r1 + n;
    int r3 = r2 + n;
    int i = 0;
    int bound2 = n - 2 * step + 1;
    for (; i < bound2; i += 2 * step) {
      FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
      FloatVector x1 = FloatVector.fromArray(F, x, xo + i + step);
      a00 = FloatVector.fromArray(F, w, wo + i).fma(x0, a00);
      a01 = FloatVector.fromArray(F, w, wo + i + step).fma(x1, a01);
      a10 = FloatVector.fromArray(F, w, r1 + i).fma(x0, a10);
      a11 = FloatVector.fromArray(F, w, r1 + i + step).fma(x1, a11);
      a20 = FloatVector.fromArray(F, w, r2 + i).fma(x0, a20);
      a21 = FloatVector.fromArray(F, w, r2 + i + step).fma(x1, a21);
      a30 = FloatVector.fromArray(F, w, r3 + i).fma(x0, a30);
      a31 = FloatVector.fromArray(F, w, r3 + i + step).fma(x1, a31);
    }
    if (i < F.loopBound(n)) {
      FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
      a00 = FloatVector.fromArray(F, w, wo + i).fma(x0, a00);
      a10 = FloatVector.fromArray(F, w, r1 + i).fma(x0, a10);
      a20 = FloatVector.fromArray(F, w, r2 + i).fma(x0, a20);
      a30 = FloatVector.fromArray(F, w, r3 + i).fma(x0, a30);
      i += step;
    }
    float s0 = sum(a00.add(a01));
    float s1 = sum(a10.add(a11));
    float s2 = sum(a20.add(a21));
    float s3 = sum(a30.add(a31));
    for (; i < n; i++) {
      float xi = x[xo + i];
      s0 += w[wo + i] * xi;
      s1 += w[r1 + i] * xi;
      s2 += w[r2 + i] * xi;
      s3 += w[r3 + i] * xi;
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  /**
   * {@link #dot} of bf16 weights (raw bits) with fp32 activations, widening each vector in
   * registers instead of through a scratch row; same summation order, so the same result as
   * widening first and calling {@link #dot}.
   */
  static float dotBf16(short[] w, int wo, float[] x, int xo, int n) {
    int step = F.length();
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    int bound2 = n - 2 * step + 1;
    for (; i < bound2; i += 2 * step) {
      acc0 = widen(w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
      acc1 = widen(w, wo + i + step).fma(FloatVector.fromArray(F, x, xo + i + step), acc1);
    }
    if (i < F.loopBound(n)) {
      acc0 = widen(w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
      i += step;
    }
    float s = sum(acc0.add(acc1));
    for (; i < n; i++) {
      s += Float.intBitsToFloat((w[wo + i] & 0xffff) << 16) * x[xo + i];
    }
    return s;
  }

  /** One vector of bf16 bits widened to fp32: the bits are the top half of a float. */
  private static FloatVector widen(short[] src, int offset) {
    return ((IntVector)
            ShortVector.fromArray(S, src, offset).convertShape(VectorOperators.S2I, I, 0))
        .lanewise(VectorOperators.LSHL, 16)
        .reinterpretAsFloats();
  }

  /**
   * {@link #dot} of int8 block weights (one scale per 32 values, {@code wo} at a block start) with
   * fp32 activations: each vector is widened and scaled in registers ({@code q · scale}, rounded to
   * fp32, exactly the value {@link #q8ToF32} writes), then summed in the order of {@link #dot}, so
   * the result equals dequantizing first and calling {@link #dot}.
   */
  static float dotQ8(byte[] w, float[] scales, int wo, float[] x, int xo, int n) {
    int step = F.length();
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    int bound2 = n - 2 * step + 1;
    for (; i < bound2; i += 2 * step) {
      int p = wo + i;
      acc0 = widenQ8(w, scales, p).fma(FloatVector.fromArray(F, x, xo + i), acc0);
      acc1 = widenQ8(w, scales, p + step).fma(FloatVector.fromArray(F, x, xo + i + step), acc1);
    }
    if (i < F.loopBound(n)) {
      acc0 = widenQ8(w, scales, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
      i += step;
    }
    float s = sum(acc0.add(acc1));
    for (; i < n; i++) {
      s += w[wo + i] * scales[(wo + i) / Q8_BLOCK] * x[xo + i];
    }
    return s;
  }

  /**
   * One vector of int8 values (within one block) widened to fp32 and scaled by its block's scale.
   */
  private static FloatVector widenQ8(byte[] w, float[] scales, int offset) {
    return ((FloatVector)
            ByteVector.fromArray(B, w, offset).convertShape(VectorOperators.B2F, F, 0))
        .mul(scales[offset / Q8_BLOCK]);
  }

  /** Dequantizes {@code n} int8 block values starting at a block boundary {@code so}. */
  static void q8ToF32(byte[] src, float[] scales, int so, float[] dst, int n) {
    q8ToF32(src, scales, so, dst, 0, n);
  }

  /** As {@link #q8ToF32(byte[], float[], int, float[], int)}, writing from {@code dst[dso]}. */
  static void q8ToF32(byte[] src, float[] scales, int so, float[] dst, int dso, int n) {
    int i = 0;
    int bound = B.loopBound(n);
    for (; i < bound; i += B.length()) {
      widenQ8(src, scales, so + i).intoArray(dst, dso + i);
    }
    for (; i < n; i++) {
      dst[dso + i] = src[so + i] * scales[(so + i) / Q8_BLOCK];
    }
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
    bf16ToF32(src, so, dst, 0, n);
  }

  /** As {@link #bf16ToF32(short[], int, float[], int)}, writing from {@code dst[dso]}. */
  static void bf16ToF32(short[] src, int so, float[] dst, int dso, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += S.length()) {
      widen(src, so + i).intoArray(dst, dso + i);
    }
    for (; i < n; i++) {
      dst[dso + i] = Float.intBitsToFloat((src[so + i] & 0xffff) << 16);
    }
  }
}
