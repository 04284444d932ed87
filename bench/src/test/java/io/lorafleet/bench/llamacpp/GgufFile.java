package io.lorafleet.bench.llamacpp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal GGUF v3 reader for tests: metadata strings and fp32 tensors. */
record GgufFile(int version, Map<String, Object> kv, Map<String, long[]> infos, ByteBuffer data) {
  static GgufFile read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt() != 0x46554747) { // "GGUF"
      throw new IOException("not a GGUF file");
    }
    int version = b.getInt();
    long tensors = b.getLong();
    long kvs = b.getLong();
    Map<String, Object> kv = new LinkedHashMap<>();
    for (long i = 0; i < kvs; i++) {
      String key = string(b);
      kv.put(key, value(b, b.getInt()));
    }
    Map<String, long[]> infos = new LinkedHashMap<>();
    for (long i = 0; i < tensors; i++) {
      String name = string(b);
      int dims = b.getInt();
      long n = 1;
      for (int d = 0; d < dims; d++) {
        n *= b.getLong();
      }
      int type = b.getInt();
      long offset = b.getLong();
      infos.put(name, new long[] {type, offset, n});
    }
    int start = (b.position() + 31) / 32 * 32;
    return new GgufFile(
        version, kv, infos, b.position(start).slice().order(ByteOrder.LITTLE_ENDIAN));
  }

  String string(String key) {
    return (String) kv.get(key);
  }

  List<String> tensorNames() {
    return List.copyOf(infos.keySet());
  }

  float[] floats(String name) {
    long[] info = infos.get(name);
    if (info[0] != GgufWriter.GGML_F32) {
      throw new IllegalArgumentException(name + " is not fp32");
    }
    float[] out = new float[(int) info[2]];
    for (int i = 0; i < out.length; i++) {
      out[i] = data.getFloat((int) info[1] + 4 * i);
    }
    return out;
  }

  private static String string(ByteBuffer b) {
    byte[] s = new byte[(int) b.getLong()];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private static Object value(ByteBuffer b, int type) {
    return switch (type) {
      case 0, 1 -> b.get();
      case 2, 3 -> b.getShort();
      case 4, 5 -> b.getInt();
      case 6 -> b.getFloat();
      case 7 -> b.get() != 0;
      case 8 -> string(b);
      case 9 -> {
        int t = b.getInt();
        long n = b.getLong();
        Object[] a = new Object[(int) n];
        for (int i = 0; i < n; i++) {
          a[i] = value(b, t);
        }
        yield a;
      }
      case 10, 11 -> b.getLong();
      case 12 -> b.getDouble();
      default -> throw new IllegalArgumentException("GGUF type " + type);
    };
  }
}
