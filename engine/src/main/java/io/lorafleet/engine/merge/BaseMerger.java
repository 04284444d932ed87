package io.lorafleet.engine.merge;

import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.ShardedSafetensors;
import io.lorafleet.artifacts.safetensors.Tensor;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Merge into base (algorithms.md A6): writes a copy of an HF model directory in which every adapted
 * linear weight is {@code W + Σ_i w_i · s_i · B_i · A_i}. The sum is formed in fp64, added to the
 * stored weight read as fp32, rounded to fp32 and then to the storage dtype (round to nearest
 * even), once. The result is checked for non-finite values before anything is written (PEFT's
 * safe_merge). Every other file and tensor is copied unchanged (tensors byte for byte), except a
 * pulled version's {@code manifest.json}, which describes the original and is not copied.
 *
 * <p>There is no unmerge by subtraction: in BF16 merge-then-subtract is not the identity (A6
 * oracle: bf16 {@code 1.0 + 0.01 → 1.0078125}, minus 0.01 {@code → 0.99609375}); in F16 and F32 it
 * happens to restore only when the rounding allows. The original directory is never modified, so
 * "unmerge" is serving the pristine original (its digest is in the merged version's lineage).
 */
public final class BaseMerger {
  private BaseMerger() {}

  /** One source's module and its merge weight. */
  record Contribution(double weight, LoraWeights weights) {}

  /**
   * Writes the merged copy of {@code modelDir} to {@code outDir}, which must not exist; the copy is
   * assembled in {@code <outDir>.partial} and moved into place only when complete.
   */
  public static void mergeIntoCopy(Path modelDir, List<Source> sources, Path outDir)
      throws IOException {
    if (Files.exists(outDir)) {
      throw new IOException(outDir + " already exists");
    }
    Map<String, List<Contribution>> byTensor = new LinkedHashMap<>();
    for (Source s : sources) {
      for (Map.Entry<ModuleKey, LoraWeights> e : s.adapter().modules().entrySet()) {
        byTensor
            .computeIfAbsent(e.getKey().path() + ".weight", k -> new ArrayList<>())
            .add(new Contribution(s.weight(), e.getValue()));
      }
    }
    Set<String> shardFiles = new LinkedHashSet<>();
    Path index = modelDir.resolve(ShardedSafetensors.INDEX_FILE);
    if (Files.exists(index)) {
      shardFiles.addAll(ShardedSafetensors.readWeightMap(index).values());
    } else {
      shardFiles.add(ShardedSafetensors.SINGLE_FILE);
    }
    Path partial = outDir.resolveSibling(outDir.getFileName() + ".partial");
    deleteRecursively(partial);
    Files.createDirectories(partial);
    copyOtherFiles(modelDir, partial, shardFiles);
    Set<String> merged = new LinkedHashSet<>();
    for (String shard : shardFiles) {
      List<Tensor> tensors = new ArrayList<>();
      Map<String, String> metadata;
      try (SafetensorsFile f = SafetensorsFile.open(modelDir.resolve(shard))) {
        metadata = f.header().metadata();
        for (TensorInfo info : f.header().tensors().values()) {
          List<Contribution> contributors = byTensor.get(info.name());
          if (contributors == null) {
            tensors.add(
                Tensor.ofBytes(info.name(), info.dtype(), info.shape(), f.readBytes(info.name())));
          } else {
            tensors.add(merge(info, f.readFloats(info.name()), contributors));
            merged.add(info.name());
          }
        }
      }
      SafetensorsWriter.write(partial.resolve(shard), tensors, metadata);
    }
    if (!merged.equals(byTensor.keySet())) {
      Set<String> missing = new LinkedHashSet<>(byTensor.keySet());
      missing.removeAll(merged);
      deleteRecursively(partial);
      throw new IllegalArgumentException(
          "the model has no weight tensor for adapted modules "
              + missing
              + " (a tied lm_head cannot be merged)");
    }
    Files.move(partial, outDir, StandardCopyOption.ATOMIC_MOVE);
  }

  /** {@code W + Σ w_i s_i B_i A_i} for one weight tensor. */
  static Tensor merge(TensorInfo info, float[] w, List<Contribution> contributors) {
    if (!info.dtype().isFloatingPoint() || info.rank() != 2) {
      throw new IllegalArgumentException(
          info.name() + " is " + info.dtype() + " " + info.shape() + ", not a float matrix");
    }
    double[] sum = new double[w.length];
    for (Contribution c : contributors) {
      LoraWeights lw = c.weights();
      if (lw.out() != info.dim(0) || lw.in() != info.dim(1)) {
        throw new IllegalArgumentException(
            info.name()
                + " is "
                + info.shape()
                + " but the adapter's delta is "
                + lw.out()
                + "x"
                + lw.in());
      }
      double[] d = AdapterMerger.delta(lw);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += c.weight() * d[i];
      }
    }
    float[] out = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      out[i] = (float) (w[i] + sum[i]);
      if (!Float.isFinite(out[i])) {
        throw new IllegalArgumentException(
            info.name() + ": merging gives a non-finite value at element " + i);
      }
    }
    return Tensor.ofFloats(info.name(), info.dtype(), info.shape(), out);
  }

  private static void copyOtherFiles(Path from, Path to, Set<String> shardFiles)
      throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path rel = from.relativize(p);
        if (Files.isDirectory(p)) {
          Files.createDirectories(to.resolve(rel.toString()));
        } else if (!shardFiles.contains(rel.toString())
            && !rel.toString().equals(ArtifactStore.MANIFEST)) {
          Files.copy(p, to.resolve(rel.toString()));
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
