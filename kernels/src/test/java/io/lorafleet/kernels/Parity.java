package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.engine.backend.LoraPair;
import java.util.Random;

/** Test support: bf16 rounding, device buffers in a precision, and the parity comparison. */
final class Parity {
  /** fp32 storage: relative error bound (issue 9). */
  static final double F32_TOLERANCE = 1e-5;

  /** bf16 storage: relative error bound (issue 9). */
  static final double BF16_TOLERANCE = 1e-2;

  private Parity() {}

  static double tolerance(Precision p) {
    return p == Precision.F32 ? F32_TOLERANCE : BF16_TOLERANCE;
  }

  /** Round to nearest even bf16 bits, as {@code __float2bfloat16_rn}. */
  static short toBf16(float f) {
    int u = Float.floatToRawIntBits(f);
    if ((u & 0x7fffffff) > 0x7f800000) {
      return (short) ((u >>> 16) | 0x40);
    }
    u += 0x7fff + ((u >>> 16) & 1);
    return (short) (u >>> 16);
  }

  static float fromBf16(short h) {
    return Float.intBitsToFloat((h & 0xffff) << 16);
  }

  /** The values as stored in precision p (bf16 rounding, or a copy). */
  static float[] round(Precision p, float[] v) {
    float[] r = v.clone();
    if (p == Precision.BF16) {
      for (int i = 0; i < r.length; i++) {
        r[i] = fromBf16(toBf16(r[i]));
      }
    }
    return r;
  }

  static float[] random(Random rnd, int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (rnd.nextFloat() * 2 - 1) * scale;
    }
    return v;
  }

  /** Random values already representable in p, so CPU and device see identical inputs. */
  static float[] random(Precision p, Random rnd, int n, float scale) {
    return round(p, random(rnd, n, scale));
  }

  static LoraPair randomPair(Precision p, Random rnd, int rank, int in, int out) {
    return new LoraPair(
        rank, in, out, random(p, rnd, rank * in, 0.5f), random(p, rnd, out * rank, 0.5f));
  }

  /** Allocates and uploads {@code values} stored in precision p. */
  static long upload(Device d, Precision p, float[] values) {
    long ptr = d.alloc(Math.max(1, (long) values.length * p.bytes()));
    if (p == Precision.F32) {
      d.upload(ptr, values);
    } else {
      short[] bits = new short[values.length];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = toBf16(values[i]);
      }
      d.upload(ptr, bits);
    }
    return ptr;
  }

  static long uploadF32(Device d, float[] values) {
    return upload(d, Precision.F32, values);
  }

  static long upload(Device d, int[] values) {
    long ptr = d.alloc(Math.max(4, 4L * values.length));
    d.upload(ptr, values);
    return ptr;
  }

  static void free(Device d, long... pointers) {
    for (long p : pointers) {
      d.free(p);
    }
  }

  static float[] download(Device d, Precision p, long ptr, int n) {
    float[] out = new float[n];
    if (p == Precision.F32) {
      d.download(ptr, out);
    } else {
      short[] bits = new short[n];
      d.download(ptr, bits);
      for (int i = 0; i < n; i++) {
        out[i] = fromBf16(bits[i]);
      }
    }
    return out;
  }

  /** max |got − ref| / max |ref| (the error relative to the output's scale). */
  static double relativeError(float[] got, float[] ref) {
    assertThat(got).hasSameSizeAs(ref);
    double maxErr = 0;
    double maxRef = 0;
    for (int i = 0; i < ref.length; i++) {
      if (Float.isNaN(got[i]) != Float.isNaN(ref[i])) {
        return Double.POSITIVE_INFINITY;
      }
      maxErr = Math.max(maxErr, Math.abs((double) got[i] - ref[i]));
      maxRef = Math.max(maxRef, Math.abs((double) ref[i]));
    }
    return maxErr == 0 ? 0 : maxErr / Math.max(maxRef, 1e-30);
  }

  /** Asserts parity within p's tolerance and prints the error for the report. */
  static double check(String what, Precision p, float[] got, float[] ref) {
    double err = relativeError(got, ref);
    System.out.printf("[parity] %-40s %-4s max rel err %.3e (n=%d)%n", what, p, err, ref.length);
    assertThat(err)
        .as("%s (%s) relative error vs the CPU backend", what, p)
        .isLessThan(tolerance(p));
    return err;
  }
}
