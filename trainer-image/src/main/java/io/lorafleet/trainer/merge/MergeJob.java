package io.lorafleet.trainer.merge;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.InvalidS3UriException;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.Combiners;
import io.lorafleet.engine.merge.InvalidMergeSpecException;
import io.lorafleet.engine.merge.MergeLineage;
import io.lorafleet.engine.merge.MergeLineage.LoadedSource;
import io.lorafleet.engine.merge.MergeLineage.Merged;
import io.lorafleet.engine.merge.MergeMethod;
import io.lorafleet.engine.merge.MergeSpec;
import io.lorafleet.engine.merge.UnmergeableSourcesException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The merge mode's work, from the merge.json the operator writes ({@link MergeConfig}, see
 * docs/operator.md): pull every source version and check it is the pinned digest, merge, publish
 * the merged adapter as a new immutable version under {@code output.versionsUri} with its lineage
 * in the manifest, and write result.json ({@link RunResult}) to {@code run.directory}. Object
 * storage access is the caller's {@link ObjectStore} (the routed S3 clients of {@link MergeRun}, or
 * a local store).
 */
public final class MergeJob {
  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private MergeJob() {}

  /** Reads merge.json (schema 1); fields this trainer does not know are ignored. */
  public static MergeConfig parse(byte[] json) throws IOException {
    MergeConfig c = MAPPER.readValue(json, MergeConfig.class);
    if (c.schemaVersion() != 1) {
      throw new InvalidMergeException("merge.json schemaVersion " + c.schemaVersion());
    }
    if (c.sources() == null || c.sources().isEmpty() || c.output() == null || c.run() == null) {
      throw new InvalidMergeException("merge.json needs run, sources and output");
    }
    return c;
  }

  /** The merge parameters of a config (defaults: majority sign total, seed 0). */
  public static MergeSpec spec(MergeConfig c) {
    return new MergeSpec(
        method(c.method()),
        c.density() == null ? Double.NaN : c.density(),
        c.majoritySign() == null ? Combiners.MajoritySign.TOTAL : majoritySign(c.majoritySign()),
        c.outputRank() == null ? OptionalInt.empty() : OptionalInt.of(c.outputRank()),
        c.seed() == null ? 0 : c.seed());
  }

  private static MergeMethod method(io.lorafleet.api.v1alpha1.mergepolicy.MergeMethod m) {
    if (m == null) {
      throw new InvalidMergeException("merge.json needs a method");
    }
    return switch (m) {
      case LINEAR -> MergeMethod.LINEAR;
      case CAT -> MergeMethod.CAT;
      case SVD -> MergeMethod.SVD;
      case TIES -> MergeMethod.TIES;
      case DARE_LINEAR -> MergeMethod.DARE_LINEAR;
      case DARE_TIES -> MergeMethod.DARE_TIES;
      case MAGNITUDE_PRUNE -> MergeMethod.MAGNITUDE_PRUNE;
    };
  }

  private static Combiners.MajoritySign majoritySign(
      io.lorafleet.api.v1alpha1.mergepolicy.MajoritySign s) {
    return switch (s) {
      case TOTAL -> Combiners.MajoritySign.TOTAL;
      case FREQUENCY -> Combiners.MajoritySign.FREQUENCY;
    };
  }

  /**
   * Runs the merge and writes result.json, also when the merge fails (status "failed" with a
   * reason); returns what it wrote.
   */
  public static RunResult run(MergeConfig c, ObjectStore objects, Path workDir) throws IOException {
    ArtifactStore store = new ArtifactStore(objects, RetryPolicy.defaults());
    RunResult result;
    try {
      result = merge(c, store, workDir);
    } catch (InvalidMergeException
        | InvalidMergeSpecException
        | UnmergeableSourcesException
        | InvalidS3UriException e) {
      result = RunResult.failed("InvalidMerge", e.getMessage());
    } catch (IOException | RuntimeException e) {
      result = RunResult.failed("MergeError", String.valueOf(e));
    }
    S3Uri run = S3Uri.parse(c.run().directory());
    objects.putBytes(run.bucket(), run.prefix() + RunResult.FILE, MAPPER.writeValueAsBytes(result));
    return result;
  }

  private static RunResult merge(MergeConfig c, ArtifactStore store, Path workDir)
      throws IOException {
    MergeSpec spec = spec(c);
    List<LoadedSource> sources = new ArrayList<>();
    for (int i = 0; i < c.sources().size(); i++) {
      MergeConfig.Source ref = c.sources().get(i);
      Path dir = workDir.resolve("source-" + i);
      PublishedVersion v = store.pull(S3Uri.parse(ref.uri()), dir);
      if (!("sha256:" + v.digest()).equals(ref.digest())) {
        throw new InvalidMergeException(
            "source " + ref.adapter() + " is sha256:" + v.digest() + ", pinned " + ref.digest());
      }
      sources.add(
          new LoadedSource(
              String.valueOf(ref.adapter()),
              ref.digest(),
              ref.weight(),
              PeftAdapterReader.read(dir)));
    }
    Merged merged = MergeLineage.merge(sources, spec);
    PublishedVersion published =
        MergeLineage.publish(
            merged, store, workDir.resolve("merged"), S3Uri.parse(c.output().versionsUri()));
    return RunResult.succeeded(
        new RunResult.Adapter(published.uri().toString(), "sha256:" + published.digest()),
        merged.metrics(),
        merged.lineage());
  }
}
