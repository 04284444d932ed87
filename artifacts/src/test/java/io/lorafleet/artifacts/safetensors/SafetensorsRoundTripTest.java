package io.lorafleet.artifacts.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafetensorsRoundTripTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(DType.class)
  void everyDtypeRoundTripsBitExactly(DType dtype) throws IOException {
    Random rnd = new Random(dtype.ordinal());
    byte[] bytes = new byte[3 * 5 * dtype.byteSize()];
    rnd.nextBytes(bytes);
    Path file = dir.resolve("t.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(
            Tensor.ofBytes("w", dtype, List.of(3L, 5L), bytes),
            Tensor.ofBytes("scalar", dtype, List.of(), new byte[dtype.byteSize()]),
            Tensor.ofBytes("empty", dtype, List.of(0L, 4L), new byte[0])),
        Map.of("format", "pt"));

    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.names()).containsExactly("w", "scalar", "empty");
      assertThat(f.info("w").dtype()).isEqualTo(dtype);
      assertThat(f.info("w").shape()).containsExactly(3L, 5L);
      assertThat(f.readBytes("w")).isEqualTo(bytes);
      assertThat(f.info("empty").numel()).isZero();
      assertThat(f.header().metadata()).containsEntry("format", "pt");
      assertThat(f.header().dataStart() % 8).as("data is 8-byte aligned").isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16", "F16"})
  void floatsSurviveWithinTheDtypePrecision(DType dtype) throws IOException {
    float[] values = {0f, 1f, -2.5f, 3.140625f, 1e-3f, 65504f, -0.0f, Float.POSITIVE_INFINITY};
    Path file = dir.resolve("f.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(Tensor.ofFloats("x", dtype, List.of((long) values.length), values)),
        Map.of());
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      float[] back = f.readFloats("x");
      double tolerance = dtype == DType.BF16 ? 1.0 / 128 : dtype == DType.F16 ? 1.0 / 1024 : 0;
      for (int i = 0; i < values.length; i++) {
        if (Float.isInfinite(values[i])) {
          assertThat(back[i]).isEqualTo(values[i]);
        } else {
          assertThat((double) back[i])
              .as("element %d", i)
              .isCloseTo(
                  values[i],
                  org.assertj.core.data.Offset.offset(Math.abs(values[i]) * tolerance + 1e-7));
        }
      }
    }
  }

  @Test
  void bf16RoundsToNearestEven() {
    // 1 + 2^-8 lies exactly between two BF16 values (1 and 1 + 2^-7): ties go to the even one.
    assertThat(ElementCodec.bf16ToFloat(ElementCodec.floatToBf16(1f + 0x1p-8f))).isEqualTo(1f);
    assertThat(ElementCodec.bf16ToFloat(ElementCodec.floatToBf16(1f + 0x1p-8f + 0x1p-20f)))
        .isEqualTo(1f + 0x1p-7f);
    assertThat(ElementCodec.bf16ToFloat(ElementCodec.floatToBf16(Float.NaN))).isNaN();
  }

  @Test
  void mixedDtypesAreReadWithUnalignedAccess() throws IOException {
    Path file = dir.resolve("mixed.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(
            Tensor.ofBytes("u8", DType.U8, List.of(3L), new byte[] {1, 2, (byte) 255}),
            Tensor.ofFloats("f32", DType.F32, List.of(2L), new float[] {1.5f, -7f})),
        Map.of());
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.info("f32").begin()).isEqualTo(3); // deliberately not 4-aligned
      assertThat(f.readFloats("f32")).containsExactly(1.5f, -7f);
      assertThat(ElementCodec.get(f.data("u8"), DType.U8, 2)).isEqualTo(255f);
      assertThatThrownBy(() -> f.readFloats("u8")).hasMessageContaining("not a floating-point");
    }
  }

  @Test
  void headerOnlyReadDoesNotNeedTheData() throws IOException {
    Path file = dir.resolve("h.safetensors");
    SafetensorsWriter.write(
        file, List.of(Tensor.ofFloats("a", DType.F16, List.of(2L, 2L), new float[4])), Map.of());
    assertThat(SafetensorsFile.readHeader(file).tensor("a").byteLength()).isEqualTo(8);
    assertThat(Files.size(file)).isEqualTo(SafetensorsFile.readHeader(file).dataStart() + 8);
  }
}
