package io.lorafleet.interop;

import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** Inputs shared by the interop tests, and the deliberate corruptions of files they check. */
final class InteropFixtures {
  private InteropFixtures() {}

  /** Three sequences of different lengths (1 token, a short one, one longer than a KV block). */
  static List<int[]> sequences(int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int len : new int[] {1, 7, 29}) {
      out.add(r.ints(len, 0, vocab).toArray());
    }
    return out;
  }

  /** The same list as JSON-friendly nested lists for the peer script. */
  static List<List<Integer>> asLists(List<int[]> seqs) {
    return seqs.stream().map(s -> java.util.Arrays.stream(s).boxed().toList()).toList();
  }

  /** A copy of {@code dir} (files only, one level). */
  static Path copy(Path dir, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  /**
   * Rewrites a safetensors file tensor by tensor: {@code rename} maps each name (identity keeps
   * it), {@code change} may replace a tensor (identity keeps it).
   */
  static void rewrite(Path file, UnaryOperator<String> rename, UnaryOperator<Tensor> change)
      throws IOException {
    List<Tensor> tensors = new ArrayList<>();
    Map<String, String> metadata;
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      metadata = f.header().metadata();
      for (String n : f.names()) {
        Tensor t =
            Tensor.ofBytes(rename.apply(n), f.info(n).dtype(), f.info(n).shape(), f.readBytes(n));
        tensors.add(change.apply(t));
      }
    }
    SafetensorsWriter.write(file, tensors, metadata);
  }

  /** Tensor {@code t} (2-D) transposed: shape [c, r] and values moved accordingly. */
  static Tensor transposed(Tensor t, float[] values) {
    int rows = Math.toIntExact(t.shape().get(0));
    int cols = Math.toIntExact(t.shape().get(1));
    float[] out = new float[values.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out[j * rows + i] = values[i * cols + j];
      }
    }
    return Tensor.ofFloats(t.name(), t.dtype(), List.of((long) cols, (long) rows), out);
  }
}
