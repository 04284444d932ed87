package io.lorafleet.engine.merge;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
    List<Source> sources = new ArrayList<>();
    Map<String, String> lineage = new LinkedHashMap<>();
    lineage.put("merge.method", spec.method().wireName());
    if (spec.method().needsDensity()) {
      lineage.put("merge.density", Double.toString(spec.density()));
    }
    lineage.put("merge.majoritySign", spec.majoritySign().name().toLowerCase(Locale.ROOT));
    spec.outputRank().ifPresent(r -> lineage.put("merge.outputRank", Integer.toString(r)));
    lineage.put("merge.seed", Long.toString(spec.seed()));
    for (int i = 0; i < c.sources().size(); i++) {
      SourceRef ref = c.sources().get(i);
      Path dir = workDir.resolve("source-" + i);
      PublishedVersion v = store.pull(S3Uri.parse(ref.uri()), dir);
      if (!("sha256:" + v.digest()).equals(ref.digest())) {
        throw new IllegalArgumentException(
            "source " + ref.adapter() + " is sha256:" + v.digest() + ", pinned " + ref.digest());
      }
      sources.add(new Source(PeftAdapterReader.read(dir), ref.weight()));
      lineage.put("merge.source." + i + ".adapter", String.valueOf(ref.adapter()));
      lineage.put("merge.source." + i + ".digest", ref.digest());
      lineage.put("merge.source." + i + ".weight", Double.toString(ref.weight()));
    }
    AdapterMerger.Result merged = AdapterMerger.merge(sources, spec);
    LoraAdapter out = merged.adapter();
    Path outDir = workDir.resolve("merged");
    PeftAdapterWriter.write(out, outDir);
    PublishedVersion published = store.push(outDir, S3Uri.parse(c.output().versionsUri()), lineage);
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("rank", out.config().r());
    metrics.put("truncationError", merged.totalTruncationError());
    return new Report(
        "succeeded",
        Map.of("uri", published.uri().toString(), "digest", "sha256:" + published.digest()),
        null,
        null,
        metrics,
        lineage);
  }
}
