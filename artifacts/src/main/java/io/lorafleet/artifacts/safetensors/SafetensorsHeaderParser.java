package io.lorafleet.artifacts.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates a safetensors header. Every violation is a {@link
 * SafetensorsFormatException} whose message names the offending tensor, so that an operator
 * condition can point a user at the exact problem.
 */
public final class SafetensorsHeaderParser {

  /** Same cap as the reference Rust implementation; protects us from 4 GB "headers". */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String METADATA_KEY = "__metadata__";
  private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

  // NaN is accepted by the tokenizer only so that a NaN dimension is reported against its tensor.
  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .build();

  private SafetensorsHeaderParser() {}

  /**
   * Validates the 8-byte little-endian header length against the file size and returns it.
   *
   * @param prefix the first 8 bytes of the file
   */
  public static long headerLength(byte[] prefix, long fileSize) {
    if (fileSize < 8 || prefix.length < 8) {
      throw new SafetensorsFormatException(
          "file is " + fileSize + " bytes, too short for the 8-byte header length");
    }
    long n = ByteBuffer.wrap(prefix, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw new SafetensorsFormatException(
          "header length "
              + Long.toUnsignedString(n)
              + " exceeds the limit of "
              + MAX_HEADER_BYTES
              + " bytes");
    }
    if (n > fileSize - 8) {
      throw new SafetensorsFormatException(
          "header length " + n + " exceeds the file size of " + fileSize + " bytes (truncated?)");
    }
    if (n < 2) {
      throw new SafetensorsFormatException(
          "header length " + n + " is too small for a JSON object");
    }
    return n;
  }

  /** Parses a whole file held in memory (small files, fuzzing). */
  public static SafetensorsHeader parseFile(byte[] file) {
    long n = headerLength(file, file.length);
    byte[] json = new byte[(int) n];
    System.arraycopy(file, 8, json, 0, (int) n);
    return parse(json, file.length);
  }

  /**
   * Parses the header JSON of a file of {@code fileSize} bytes; the data buffer is what follows the
   * header.
   */
  public static SafetensorsHeader parse(byte[] json, long fileSize) {
    long dataStart = 8L + json.length;
    long dataSize = fileSize - dataStart;
    if (dataSize < 0) {
      throw new SafetensorsFormatException(
          "header length " + json.length + " exceeds the file size of " + fileSize + " bytes");
    }
    if (json.length == 0 || json[0] != '{') {
      throw new SafetensorsFormatException("header must be a JSON object starting with '{'");
    }
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    boolean sawMetadata = false;
    try (JsonParser p = MAPPER.createParser(json)) {
      p.nextToken();
      JsonToken tok;
      while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        JsonNode value = MAPPER.readTree(p);
        if (METADATA_KEY.equals(name)) {
          if (sawMetadata) {
            throw new SafetensorsFormatException("duplicate " + METADATA_KEY + " entry");
          }
          sawMetadata = true;
          metadata.putAll(parseMetadata(value));
        } else {
          if (tensors.containsKey(name)) {
            throw new SafetensorsFormatException("duplicate tensor name '" + name + "'");
          }
          tensors.put(name, parseEntry(name, value, dataSize));
        }
      }
      if (tok != JsonToken.END_OBJECT) {
        throw new SafetensorsFormatException("header is not a well-formed JSON object");
      }
      long close = p.currentTokenLocation().getByteOffset();
      if (p.nextToken() != null) {
        throw new SafetensorsFormatException("header has content after the JSON object");
      }
      for (long i = close + 1; i < json.length; i++) {
        if (json[(int) i] != ' ') {
          throw new SafetensorsFormatException(
              "header padding after the JSON object must be spaces, found byte "
                  + (json[(int) i] & 0xff)
                  + " at offset "
                  + i);
        }
      }
    } catch (JacksonException e) {
      throw new SafetensorsFormatException(
          "header is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new SafetensorsFormatException("header could not be read: " + e.getMessage(), e);
    }
    checkLayout(tensors.values(), dataSize);
    return new SafetensorsHeader(tensors, metadata, dataStart, dataSize);
  }

  private static Map<String, String> parseMetadata(JsonNode value) {
    if (!value.isObject()) {
      throw new SafetensorsFormatException(METADATA_KEY + " must be an object of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : value.properties()) {
      if (!e.getValue().isTextual()) {
        throw new SafetensorsFormatException(
            METADATA_KEY + " value of '" + e.getKey() + "' must be a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  private static TensorInfo parseEntry(String name, JsonNode entry, long dataSize) {
    if (!entry.isObject()) {
      throw bad(name, "header entry must be an object with dtype, shape and data_offsets");
    }
    for (Map.Entry<String, JsonNode> f : entry.properties()) {
      if (!ENTRY_FIELDS.contains(f.getKey())) {
        throw bad(name, "unknown header field '" + f.getKey() + "'");
      }
    }
    JsonNode dtypeNode = entry.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw bad(name, "dtype is missing or not a string");
    }
    DType dtype =
        DType.fromHeader(dtypeNode.textValue())
            .orElseThrow(
                () ->
                    bad(
                        name,
                        "unsupported dtype '"
                            + dtypeNode.textValue()
                            + "' (supported: F32, BF16, F16, I8, U8)"));
    List<Long> shape = nonNegativeLongs(name, "shape", entry.get("shape"));
    List<Long> offsets = nonNegativeLongs(name, "data_offsets", entry.get("data_offsets"));
    if (offsets.size() != 2) {
      throw bad(name, "data_offsets must have exactly 2 entries, found " + offsets.size());
    }
    long begin = offsets.get(0);
    long end = offsets.get(1);
    if (begin > end) {
      throw bad(name, "data_offsets " + offsets + " end before they begin");
    }
    if (end > dataSize) {
      throw bad(
          name,
          "data_offsets " + offsets + " lie outside the data buffer of " + dataSize + " bytes");
    }
    long bytes = dtype.byteSize();
    try {
      for (long d : shape) {
        bytes = Math.multiplyExact(bytes, d);
      }
    } catch (ArithmeticException e) {
      throw bad(name, "shape " + shape + " is too large (byte size overflows 64 bits)");
    }
    if (bytes != end - begin) {
      throw bad(
          name,
          "dtype "
              + dtype
              + " and shape "
              + shape
              + " need "
              + bytes
              + " bytes but data_offsets "
              + offsets
              + " span "
              + (end - begin));
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static List<Long> nonNegativeLongs(String tensor, String field, JsonNode node) {
    if (node == null || !node.isArray()) {
      throw bad(tensor, field + " is missing or not an array");
    }
    List<Long> out = new ArrayList<>(node.size());
    for (JsonNode v : node) {
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        String shown = v.isValueNode() ? v.asText() : v.toString();
        throw bad(tensor, field + " entry " + shown + " is not a non-negative integer");
      }
      out.add(v.longValue());
    }
    return out;
  }

  /** The data buffer must be covered exactly: no overlaps, no holes, nothing unindexed. */
  private static void checkLayout(Iterable<TensorInfo> tensors, long dataSize) {
    List<TensorInfo> sorted = new ArrayList<>();
    tensors.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long cursor = 0;
    TensorInfo previous = null;
    for (TensorInfo t : sorted) {
      if (t.begin() < cursor) {
        throw bad(
            t.name(),
            "data_offsets ["
                + t.begin()
                + ", "
                + t.end()
                + "] overlap tensor '"
                + previous.name()
                + "' ["
                + previous.begin()
                + ", "
                + previous.end()
                + "]");
      }
      if (t.begin() > cursor) {
        throw bad(
            t.name(),
            "data buffer has a hole of " + (t.begin() - cursor) + " bytes before this tensor");
      }
      cursor = t.end();
      previous = t;
    }
    if (cursor != dataSize) {
      throw new SafetensorsFormatException(
          "data buffer has "
              + (dataSize - cursor)
              + " bytes after the last tensor that no header entry covers");
    }
  }

  private static SafetensorsFormatException bad(String tensor, String problem) {
    return new SafetensorsFormatException("tensor '" + tensor + "': " + problem);
  }
}
