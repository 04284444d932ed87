package io.lorafleet.artifacts.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * A validated safetensors file mapped read-only into memory through the FFM API, so files over 2 GB
 * work and nothing is copied until a caller asks for an array. Close it to unmap.
 */
public final class SafetensorsFile implements AutoCloseable {
  private final Path path;
  private final SafetensorsHeader header;
  private final Arena arena;
  private final MemorySegment mapped;

  private SafetensorsFile(Path path, SafetensorsHeader header, Arena arena, MemorySegment mapped) {
    this.path = path;
    this.header = header;
    this.arena = arena;
    this.mapped = mapped;
  }

  /** Opens, validates the header and maps the file; throws on any format violation. */
  public static SafetensorsFile open(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      SafetensorsHeader header;
      try {
        byte[] prefix = readFully(ch, 0, (int) Math.min(8, size));
        long n = SafetensorsHeaderParser.headerLength(prefix, size);
        header = SafetensorsHeaderParser.parse(readFully(ch, 8, (int) n), size);
      } catch (SafetensorsFormatException e) {
        throw new SafetensorsFormatException(path.getFileName() + ": " + e.getMessage(), e);
      }
      Arena arena = Arena.ofShared();
      try {
        MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        return new SafetensorsFile(path, header, arena, mapped);
      } catch (IOException | RuntimeException e) {
        arena.close();
        throw e;
      }
    }
  }

  /** Reads only and validates the header, without mapping the data (cheap inspection). */
  public static SafetensorsHeader readHeader(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      long n =
          SafetensorsHeaderParser.headerLength(readFully(ch, 0, (int) Math.min(8, size)), size);
      return SafetensorsHeaderParser.parse(readFully(ch, 8, (int) n), size);
    }
  }

  private static byte[] readFully(FileChannel ch, long position, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      if (ch.read(buf, position + buf.position()) < 0) {
        throw new SafetensorsFormatException("file ended while reading the header");
      }
    }
    return buf.array();
  }

  public Path path() {
    return path;
  }

  public SafetensorsHeader header() {
    return header;
  }

  public Set<String> names() {
    return header.tensors().keySet();
  }

  public TensorInfo info(String name) {
    return header.tensor(name);
  }

  /** A read-only view of the tensor's bytes; valid until {@link #close()}. */
  public MemorySegment data(String name) {
    TensorInfo t = info(name);
    return mapped.asSlice(header.dataStart() + t.begin(), t.byteLength());
  }

  /** Converts a floating-point tensor to a float array (BF16/F16 widened exactly). */
  public float[] readFloats(String name) {
    TensorInfo t = info(name);
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' has dtype " + t.dtype() + ", not a floating-point type");
    }
    float[] out = new float[checkedArrayLength(t)];
    MemorySegment seg = data(name);
    if (t.dtype() == DType.F32) {
      MemorySegment.copy(
          seg,
          ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
          0,
          out,
          0,
          out.length);
      return out;
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = ElementCodec.get(seg, t.dtype(), i);
    }
    return out;
  }

  /** Copies the raw little-endian bytes of a tensor. */
  public byte[] readBytes(String name) {
    TensorInfo t = info(name);
    if (t.byteLength() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("tensor '" + name + "' is too large for a byte array");
    }
    return data(name).toArray(ValueLayout.JAVA_BYTE);
  }

  private static int checkedArrayLength(TensorInfo t) {
    if (t.numel() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException(
          "tensor '" + t.name() + "' has " + t.numel() + " elements, too many for an array");
    }
    return (int) t.numel();
  }

  @Override
  public void close() {
    arena.close();
  }
}
