package io.lorafleet.artifacts.safetensors;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A hand-made corpus of malformed files, each rejected with its own specific message. */
class MalformedSafetensorsTest {
  @TempDir Path dir;

  static byte[] file(String headerJson, int dataBytes) {
    byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
    return file(h.length, h, dataBytes);
  }

  static byte[] file(long declaredLength, byte[] header, int dataBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
    out.writeBytes(header);
    out.writeBytes(new byte[dataBytes]);
    return out.toByteArray();
  }

  static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%d,%d]}"
        .formatted(name, dtype, shape, begin, end);
  }

  static Stream<Arguments> corpus() {
    byte[] good = file("{" + entry("a", "F32", "[2]", 0, 8) + "}", 8);
    return Stream.of(
        Arguments.of("empty file", new byte[0], "too short for the 8-byte header length"),
        Arguments.of("truncated length", new byte[] {1, 0, 0}, "too short"),
        Arguments.of(
            "4 GB header length",
            file(4L << 30, "{}".getBytes(StandardCharsets.UTF_8), 0),
            "header length 4294967296 exceeds the limit of 100000000 bytes"),
        Arguments.of(
            "header length with the top bit set",
            file(-1L, "{}".getBytes(StandardCharsets.UTF_8), 0),
            "header length 18446744073709551615 exceeds the limit"),
        Arguments.of(
            "truncated header", Arrays.copyOf(good, 20), "exceeds the file size of 20 bytes"),
        Arguments.of(
            "truncated data",
            Arrays.copyOf(good, good.length - 3),
            "tensor 'a': data_offsets [0, 8] lie outside the data buffer of 5 bytes"),
        Arguments.of("not JSON", file("{\"a\":", 0), "header is not valid JSON"),
        Arguments.of("not an object", file("[1,2]", 0), "must be a JSON object"),
        Arguments.of("garbage after the object", file("{}xyz", 0), "header is not valid JSON"),
        Arguments.of(
            "non-space padding", file("{}\n\n", 0), "padding after the JSON object must be spaces"),
        Arguments.of(
            "lying header: shape needs more bytes than the range",
            file("{" + entry("w", "F32", "[4]", 0, 8) + "}", 8),
            "tensor 'w': dtype F32 and shape [4] need 16 bytes but data_offsets [0, 8] span 8"),
        Arguments.of(
            "lying header: range past the end",
            file("{" + entry("w", "F32", "[4]", 0, 16) + "}", 8),
            "tensor 'w': data_offsets [0, 16] lie outside the data buffer of 8 bytes"),
        Arguments.of(
            "overlapping tensors",
            file(
                "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F16", "[4]", 4, 12) + "}",
                12),
            "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]"),
        Arguments.of(
            "hole between tensors",
            file(
                "{" + entry("a", "U8", "[2]", 0, 2) + "," + entry("b", "U8", "[2]", 4, 6) + "}", 6),
            "tensor 'b': data buffer has a hole of 2 bytes before this tensor"),
        Arguments.of(
            "unindexed trailing bytes",
            file("{" + entry("a", "U8", "[2]", 0, 2) + "}", 5),
            "3 bytes after the last tensor that no header entry covers"),
        Arguments.of(
            "duplicate tensor names",
            file(
                "{" + entry("a", "U8", "[2]", 0, 2) + "," + entry("a", "U8", "[2]", 2, 4) + "}", 4),
            "duplicate tensor name 'a'"),
        Arguments.of(
            "NaN shape",
            file("{\"n\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,0]}}", 0),
            "tensor 'n': shape entry NaN is not a non-negative integer"),
        Arguments.of(
            "negative shape",
            file("{" + entry("neg", "F32", "[-2]", 0, 0) + "}", 0),
            "tensor 'neg': shape entry -2 is not a non-negative integer"),
        Arguments.of(
            "fractional shape",
            file("{" + entry("frac", "F32", "[1.5]", 0, 0) + "}", 0),
            "tensor 'frac': shape entry 1.5 is not a non-negative integer"),
        Arguments.of(
            "shape overflowing 64 bits",
            file("{" + entry("huge", "F32", "[4294967296,4294967296]", 0, 0) + "}", 0),
            "tensor 'huge': shape [4294967296, 4294967296] is too large"),
        Arguments.of(
            "unsupported dtype",
            file("{" + entry("d", "F64", "[1]", 0, 8) + "}", 8),
            "tensor 'd': unsupported dtype 'F64'"),
        Arguments.of(
            "reversed offsets",
            file("{" + entry("r", "U8", "[0]", 4, 2) + "}", 4),
            "tensor 'r': data_offsets [4, 2] end before they begin"),
        Arguments.of(
            "three offsets",
            file("{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1),
            "tensor 't': data_offsets must have exactly 2 entries"),
        Arguments.of(
            "unknown field",
            file("{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":1}}", 1),
            "tensor 't': unknown header field 'x'"),
        Arguments.of(
            "missing dtype",
            file("{\"t\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1),
            "tensor 't': dtype is missing"),
        Arguments.of(
            "metadata not strings",
            file("{\"__metadata__\":{\"format\":1}}", 0),
            "__metadata__ value of 'format' must be a string"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void rejectedInMemory(String caseName, byte[] bytes, String message) {
    assertThatThrownBy(() -> SafetensorsHeaderParser.parseFile(bytes))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void rejectedFromDisk(String caseName, byte[] bytes, String message) throws IOException {
    Path file = dir.resolve("bad.safetensors");
    Files.write(file, bytes);
    assertThatThrownBy(() -> SafetensorsFile.open(file).close())
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aValidFileFromTheSameBuildersIsAccepted() {
    // Guards the corpus: the helpers themselves produce parseable files.
    SafetensorsHeaderParser.parseFile(file("{" + entry("a", "F32", "[2]", 0, 8) + "}", 8));
    byte[] header =
        SafetensorsWriter.headerBytes(
            List.of(Tensor.ofFloats("z", DType.BF16, List.of(1L), new float[] {1f})), Map.of());
    SafetensorsHeaderParser.parseFile(file(header.length, header, 2));
  }

  @Test
  void duplicateFieldInsideAnEntryIsInvalidJson() {
    byte[] bytes =
        file("{\"t\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
    assertThatThrownBy(() -> SafetensorsHeaderParser.parseFile(bytes))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageContaining("header is not valid JSON")
        .hasMessageContaining("dtype");
  }
}
