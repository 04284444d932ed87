package io.lorafleet.engine.merge;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A merge with the lineage its published version records: merges loaded sources with {@link
 * AdapterMerger}, then writes the merged adapter with its manifest or publishes it as a new
 * immutable version. One code path for the trainer image's merge job and the CLI's {@code lorafleet
 * merge}.
 */
public final class MergeLineage {
  private MergeLineage() {}

  /**
   * A source adapter as read, with what the lineage records of it: a name ({@code adapter}), its
   * version digest ({@code sha256:<hex>}) and its merge weight.
   */
  public record LoadedSource(String adapter, String digest, double weight, LoraAdapter loaded) {}

  /** A merge result and the lineage its manifest records. */
  public record Merged(AdapterMerger.Result result, Map<String, String> lineage) {
    /** result.json's metrics: the output rank and the total truncation error. */
    public Map<String, Object> metrics() {
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("rank", result.adapter().config().r());
      metrics.put("truncationError", result.totalTruncationError());
      return metrics;
    }
  }

  /**
   * Merges the sources with {@link AdapterMerger} and builds the lineage ({@code merge.method},
   * {@code merge.density} for the sparsifying methods, {@code merge.majoritySign}, {@code
   * merge.outputRank} when given, {@code merge.seed}, {@code
   * merge.source.<i>.adapter|digest|weight}).
   */
  public static Merged merge(List<LoadedSource> sources, MergeSpec spec) {
    Map<String, String> lineage = new LinkedHashMap<>();
    lineage.put("merge.method", spec.method().wireName());
    if (spec.method().needsDensity()) {
      lineage.put("merge.density", Double.toString(spec.density()));
    }
    lineage.put("merge.majoritySign", spec.majoritySign().name().toLowerCase(Locale.ROOT));
    spec.outputRank().ifPresent(r -> lineage.put("merge.outputRank", Integer.toString(r)));
    lineage.put("merge.seed", Long.toString(spec.seed()));
    List<Source> merging = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      LoadedSource s = sources.get(i);
      merging.add(new Source(s.loaded(), s.weight()));
      lineage.put("merge.source." + i + ".adapter", s.adapter());
      lineage.put("merge.source." + i + ".digest", s.digest());
      lineage.put("merge.source." + i + ".weight", Double.toString(s.weight()));
    }
    return new Merged(AdapterMerger.merge(merging, spec), Collections.unmodifiableMap(lineage));
  }

  /**
   * Writes the merged adapter (PEFT files) to {@code dir} with the {@code manifest.json} its
   * published version has (files and lineage), as a pulled version has; returns that manifest.
   */
  public static Manifest write(Merged merged, Path dir) throws IOException {
    PeftAdapterWriter.write(merged.result().adapter(), dir);
    Manifest manifest = ArtifactStore.manifestOf(dir, merged.lineage());
    Files.write(dir.resolve(ArtifactStore.MANIFEST), manifest.toBytes());
    return manifest;
  }

  /**
   * {@link #write}s the merged adapter to {@code dir} and publishes it as a new immutable version
   * under {@code versions} with its lineage.
   */
  public static PublishedVersion publish(
      Merged merged, ArtifactStore store, Path dir, S3Uri versions) throws IOException {
    write(merged, dir);
    return store.push(dir, versions, merged.lineage());
  }
}
