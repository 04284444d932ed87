package io.lorafleet.artifacts.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian, unaligned element access: tensors of mixed dtypes are not guaranteed to be aligned
 * to their element size inside the data buffer.
 */
public final class ElementCodec {
  private static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private ElementCodec() {}

  /** Reads element {@code index} as a float; I8 and U8 read as their integer value. */
  public static float get(MemorySegment seg, DType dtype, long index) {
    return switch (dtype) {
      case F32 -> seg.get(F32, index * 4);
      case BF16 -> bf16ToFloat(seg.get(I16, index * 2));
      case F16 -> Float.float16ToFloat(seg.get(I16, index * 2));
      case I8 -> seg.get(ValueLayout.JAVA_BYTE, index);
      case U8 -> seg.get(ValueLayout.JAVA_BYTE, index) & 0xff;
    };
  }

  /** Writes {@code value} rounded to the dtype (round-to-nearest-even for BF16 and F16). */
  public static void set(MemorySegment seg, DType dtype, long index, float value) {
    switch (dtype) {
      case F32 -> seg.set(F32, index * 4, value);
      case BF16 -> seg.set(I16, index * 2, floatToBf16(value));
      case F16 -> seg.set(I16, index * 2, Float.floatToFloat16(value));
      case I8 -> seg.set(ValueLayout.JAVA_BYTE, index, (byte) clampRound(value, -128, 127));
      case U8 -> seg.set(ValueLayout.JAVA_BYTE, index, (byte) clampRound(value, 0, 255));
    }
  }

  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  public static short floatToBf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x0040); // keep sign, force a quiet NaN
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  private static int clampRound(float v, int lo, int hi) {
    return (int) Math.max(lo, Math.min(hi, Math.rint(v)));
  }
}
