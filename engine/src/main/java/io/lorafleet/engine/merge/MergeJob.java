package io.lorafleet.engine.merge;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The merge mode's work, from the merge.json the operator writes (MergePolicy, docs/operator.md):
 * pull every source version and check it is the pinned digest, merge, publish the merged adapter as
 * a new immutable version under {@code output.versionsUri} with its lineage in the manifest, and
 * write {@code result.json} to {@code run.directory}. Object storage access is the caller's {@link
 * ObjectStore} (S3 in the trainer image, in memory in tests).
 */
public final class MergeJob {
  static final String RESULT = "result.json";
  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private MergeJob() {}

  /** merge.json, schema version 1; fields this job does not use are ignored. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Config(
      int schemaVersion,
      Run run,
      String method,
      Double density,
      String majoritySign,
      Integer outputRank,
      Long seed,
      List<SourceRef> sources,
      Output output) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Run(String namespace, String name, String key, String directory) {}

  /** A source version: {@code uri} is its {@code sha256-<hex>/} directory, digest "sha256:hex". */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SourceRef(String adapter, String uri, String digest, double weight) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Output(String adapterName, String versionsUri) {}

  /** What result.json says (the operator's JobReport.Result). */
  public record Report(
      String status,
      Map<String, String> adapter,
      String reason,
      String message,
      Map<String, Object> metrics,
      Map<String, String> lineage) {}

  public static Config parse(byte[] json) throws IOException {
    Config c = MAPPER.readValue(json, Config.class);
    if (c.schemaVersion() != 1) {
      throw new IllegalArgumentException("merge.json schemaVersion " + c.schemaVersion());
    }
    if (c.sources() == null || c.sources().isEmpty() || c.output() == null || c.run() == null) {
      throw new IllegalArgumentException("merge.json needs run, sources and output");
    }
    return c;
  }

  /** The merge parameters of a config (defaults: majority sign total, seed 0). */
  public static MergeSpec spec(Config c) {
    return new MergeSpec(
        MergeMethod.fromWireName(c.method()),
        c.density() == null ? Double.NaN : c.density(),
        c.majoritySign() == null
            ? MajoritySign.TOTAL
            : MajoritySign.valueOf(c.majoritySign().toUpperCase(Locale.ROOT)),
        c.outputRank() == null ? OptionalInt.empty() : OptionalInt.of(c.outputRank()),
        c.seed() == null ? 0 : c.seed());
  }

  /**
   * Runs the merge and writes result.json, also when the merge fails (status "failed" with a
   * reason); returns the report.
   */
  public static Report run(Config c, ObjectStore objects, Path workDir) throws IOException {
    ArtifactStore store = new ArtifactStore(objects, RetryPolicy.defaults());
    Report report;
    try {
      report = merge(c, store, workDir);
    } catch (IllegalArgumentException e) {
      report = new Report("failed", null, "InvalidMerge", e.getMessage(), Map.of(), Map.of());
    } catch (IOException | RuntimeException e) {
      report = new Report("failed", null, "MergeError", String.valueOf(e), Map.of(), Map.of());
    }
    S3Uri run = S3Uri.parse(c.run().directory());
    objects.putBytes(run.bucket(), run.prefix() + RESULT, MAPPER.writeValueAsBytes(report));
    return report;
  }

  private static Report merge(Config c, ArtifactStore store, Path workDir) throws IOException {
    MergeSpec spec = spec(c);
    List<LoadedSource> sources = new ArrayList<>();
    for (int i = 0; i < c.sources().size(); i++) {
      SourceRef ref = c.sources().get(i);
      Path dir = workDir.resolve("source-" + i);
      PublishedVersion v = store.pull(S3Uri.parse(ref.uri()), dir);
      if (!("sha256:" + v.digest()).equals(ref.digest())) {
        throw new IllegalArgumentException(
            "source " + ref.adapter() + " is sha256:" + v.digest() + ", pinned " + ref.digest());
      }
      sources.add(
          new LoadedSource(
              String.valueOf(ref.adapter()),
              ref.digest(),
              ref.weight(),
              PeftAdapterReader.read(dir)));
    }
    Merged merged = merge(sources, spec);
    PublishedVersion published =
        publish(merged, store, workDir.resolve("merged"), S3Uri.parse(c.output().versionsUri()));
    return new Report(
        "succeeded",
        Map.of("uri", published.uri().toString(), "digest", "sha256:" + published.digest()),
        null,
        null,
        merged.metrics(),
        merged.lineage());
  }

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
