package io.lorafleet.artifacts.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files over 2 GB must map and read through the FFM API (a sparse file keeps this cheap). */
class LargeSafetensorsFileTest {
  @TempDir Path dir;

  @Test
  void readsTheLastByteOfAFileLargerThanTwoGigabytes() throws IOException {
    long n = (1L << 31) + 24; // one U8 tensor just over 2 GiB
    Tensor shapeOnly = Tensor.ofBytes("big", DType.U8, List.of(0L), new byte[0]);
    byte[] header =
        SafetensorsWriter.headerBytes(List.of(shapeOnly), Map.of()); // reuse padding logic
    String json =
        new String(header, java.nio.charset.StandardCharsets.UTF_8)
            .trim()
            .replace("\"shape\":[0]", "\"shape\":[" + n + "]")
            .replace("\"data_offsets\":[0,0]", "\"data_offsets\":[0," + n + "]");
    byte[] h = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Path file = dir.resolve("big.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(
          java.nio.ByteBuffer.allocate(8)
              .order(java.nio.ByteOrder.LITTLE_ENDIAN)
              .putLong(h.length)
              .array());
      raf.write(h);
      raf.setLength(8 + h.length + n); // sparse: no real disk use
      raf.seek(8 + h.length + n - 1);
      raf.write(42);
    }
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.info("big").numel()).isEqualTo(n);
      assertThat(f.data("big").get(ValueLayout.JAVA_BYTE, n - 1)).isEqualTo((byte) 42);
      assertThat(f.data("big").get(ValueLayout.JAVA_BYTE, n / 2)).isZero();
    }
  }
}
