package io.lorafleet.artifacts.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files that the Python and Rust implementations load: header padded with spaces
 * so the data starts 8-byte aligned, tensors stored contiguously in the given order.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long CHUNK = 1L << 30; // ByteBuffer views are limited to 2 GB

  private SafetensorsWriter() {}

  /** Writes atomically: a temporary file in the same directory is moved over {@code target}. */
  public static void write(Path target, List<Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    byte[] header = headerBytes(tensors, metadata);
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        len.putLong(header.length).flip();
        writeAll(ch, len);
        writeAll(ch, ByteBuffer.wrap(header));
        for (Tensor t : tensors) {
          MemorySegment data = t.data();
          for (long off = 0; off < data.byteSize(); off += CHUNK) {
            writeAll(ch, data.asSlice(off, Math.min(CHUNK, data.byteSize() - off)).asByteBuffer());
          }
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The padded header JSON for these tensors (exposed for tests that build malformed files). */
  public static byte[] headerBytes(List<Tensor> tensors, Map<String, String> metadata) {
    Map<String, Object> header = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      header.put("__metadata__", metadata);
    }
    Set<String> names = new HashSet<>();
    long offset = 0;
    for (Tensor t : tensors) {
      if (!names.add(t.name()) || t.name().equals("__metadata__")) {
        throw new IllegalArgumentException("duplicate or reserved tensor name '" + t.name() + "'");
      }
      long end = offset + t.data().byteSize();
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", t.dtype().name());
      entry.put("shape", t.shape());
      entry.put("data_offsets", List.of(offset, end));
      header.put(t.name(), entry);
      offset = end;
    }
    byte[] json;
    try {
      json = MAPPER.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize safetensors header", e);
    }
    int padded = (8 + json.length + 7) / 8 * 8 - 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  private static void writeAll(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
