package io.lorafleet.cli;

import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.BaseMerger;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import io.lorafleet.engine.merge.InvalidMergeSpecException;
import io.lorafleet.engine.merge.MergeLineage;
import io.lorafleet.engine.merge.MergeLineage.LoadedSource;
import io.lorafleet.engine.merge.MergeMethod;
import io.lorafleet.engine.merge.MergeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Merges adapters with the merge job's code path ({@link MergeLineage#merge}, then {@link
 * MergeLineage#write} or {@link MergeLineage#publish}): sources are local PEFT directories or
 * published versions, the output a new local directory or a new immutable version with the merge's
 * lineage.
 *
 * <p>With {@code --into-base} the merged delta is added to a base model's weights ({@link
 * BaseMerger}) and the output is a new HF model directory: for {@code linear} and {@code cat} the
 * exact {@code W + Σ w_i s_i B_i A_i} from the sources, for the other methods {@code W + B'A'} of
 * the merged adapter.
 */
@Command(
    name = "merge",
    description =
        "Merge LoRA adapters (docs/merging.md): write the result to a new directory, or publish"
            + " it as an immutable version with its lineage when --out is s3://. With"
            + " --into-base MODEL the output is that model with the merged delta added to its"
            + " weights (a new HF model directory or version).")
final class MergeCommand implements Callable<Integer> {
  @ParentCommand Lorafleet root;

  @Spec CommandSpec spec;

  @Option(
      names = "--method",
      required = true,
      description = "linear, cat, svd, ties, dare-linear, dare-ties or magnitude-prune")
  String method;

  @Option(
      names = "--source",
      required = true,
      paramLabel = "SOURCE:WEIGHT",
      description =
          "a local adapter directory or s3://.../sha256-DIGEST/ (or a prefix: its latest version)"
              + " and its merge weight, e.g. ./tone:0.7; repeat for every source")
  List<String> sources;

  @Option(
      names = "--density",
      description = "kept fraction in (0, 1] for ties, dare-*, magnitude-prune")
  Double density;

  @Option(
      names = "--rank",
      description =
          "output rank (required for svd; default for ties, dare-*, magnitude-prune: the largest"
              + " source rank; linear and cat keep the sum of the ranks)")
  Integer rank;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "DARE seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(
      names = "--majority-sign",
      defaultValue = "total",
      description = "TIES sign election: total or frequency (default: ${DEFAULT-VALUE})")
  String majoritySign;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR|s3://BUCKET/PREFIX",
      description = "a new local directory, or the versions prefix to publish under")
  String out;

  @Option(
      names = "--into-base",
      paramLabel = "MODEL_DIR|s3://...",
      description =
          "merge into this base model (an HF directory, or a published version or its prefix):"
              + " --out gets a copy of the model whose adapted weights include the merged delta")
  String intoBase;

  @Mixin StoreOptions store;

  private record Parsed(String location, double weight) {}

  @Override
  public Integer call() throws Exception {
    MergeSpec mergeSpec = mergeSpec();
    List<Parsed> parsed = new ArrayList<>();
    for (String s : sources) {
      parsed.add(parseSource(s));
    }
    boolean remoteOut = S3Uri.isS3(out);
    Path localOut = remoteOut ? null : Path.of(out);
    if (localOut != null && Files.exists(localOut)) {
      throw usage("--out " + out + " already exists; give a new directory");
    }
    if (intoBase != null && !S3Uri.isS3(intoBase) && !Files.isDirectory(Path.of(intoBase))) {
      throw usage("--into-base " + intoBase + " is not a directory");
    }
    boolean needsStore =
        remoteOut
            || parsed.stream().anyMatch(p -> S3Uri.isS3(p.location()))
            || (intoBase != null && S3Uri.isS3(intoBase));
    Path work = Files.createTempDirectory("lorafleet-merge");
    try (StoreOptions.Opened opened = needsStore ? store.open(root.env) : null) {
      List<LoadedSource> loaded = new ArrayList<>();
      for (int i = 0; i < parsed.size(); i++) {
        Parsed p = parsed.get(i);
        Path dir;
        String digest;
        if (S3Uri.isS3(p.location())) {
          dir = work.resolve("source-" + i);
          PublishedVersion v = opened.artifacts().pull(S3Uri.parse(p.location()), dir);
          digest = v.digest();
        } else {
          dir = Path.of(p.location());
          digest = new LocalArtifactView(dir).digest().orElseThrow();
        }
        loaded.add(
            new LoadedSource(
                p.location(), "sha256:" + digest, p.weight(), PeftAdapterReader.read(dir)));
      }
      MergeLineage.Merged merged = MergeLineage.merge(loaded, mergeSpec);
      if (intoBase != null) {
        return intoBase(loaded, merged, mergeSpec, opened, work, localOut);
      }
      String summary =
          String.format(
              Locale.ROOT,
              "merged %d sources (%s): rank %d, truncation error %.6g",
              loaded.size(),
              mergeSpec.method().wireName(),
              merged.result().adapter().config().r(),
              merged.result().totalTruncationError());
      if (remoteOut) {
        PublishedVersion v =
            MergeLineage.publish(
                merged, opened.artifacts(), work.resolve("merged"), S3Uri.parse(out));
        root.out().printf("%s%n%s%ndigest sha256-%s%n", summary, v.uri(), v.digest());
      } else {
        Manifest m = MergeLineage.write(merged, localOut);
        root.out().printf("%s%n%s%ndigest sha256-%s%n", summary, localOut, m.digest());
      }
      return 0;
    } finally {
      ScratchDirectories.delete(work);
    }
  }

  /**
   * Writes the base model with the merged delta added: from the sources themselves for the exact
   * methods, from the merged adapter otherwise. The lineage is the merge's plus {@code merge.base}
   * and {@code merge.base.digest}, the pristine original ("unmerge" is serving that version).
   */
  private int intoBase(
      List<LoadedSource> loaded,
      MergeLineage.Merged merged,
      MergeSpec mergeSpec,
      StoreOptions.Opened opened,
      Path work,
      Path localOut)
      throws IOException {
    Path baseDir;
    String baseDigest;
    if (S3Uri.isS3(intoBase)) {
      baseDir = work.resolve("base");
      baseDigest = opened.artifacts().pull(S3Uri.parse(intoBase), baseDir).digest();
    } else {
      baseDir = Path.of(intoBase);
      baseDigest = new LocalArtifactView(baseDir).digest().orElseThrow();
    }
    List<Source> deltas = new ArrayList<>();
    if (mergeSpec.method().exact()) {
      for (LoadedSource s : loaded) {
        deltas.add(new Source(s.loaded(), s.weight()));
      }
    } else {
      deltas.add(new Source(merged.result().adapter(), 1.0));
    }
    Map<String, String> lineage = new LinkedHashMap<>(merged.lineage());
    lineage.put("merge.base", intoBase);
    lineage.put("merge.base.digest", "sha256:" + baseDigest);
    Path dir = localOut == null ? work.resolve("merged-model") : localOut;
    BaseMerger.mergeIntoCopy(baseDir, deltas, dir);
    String summary =
        String.format(
            Locale.ROOT,
            "merged %d sources (%s) into base %s (sha256-%s): delta rank %d, truncation error"
                + " %.6g",
            loaded.size(),
            mergeSpec.method().wireName(),
            intoBase,
            baseDigest,
            merged.result().adapter().config().r(),
            merged.result().totalTruncationError());
    if (localOut == null) {
      PublishedVersion v = opened.artifacts().push(dir, S3Uri.parse(out), lineage);
      root.out().printf("%s%n%s%ndigest sha256-%s%n", summary, v.uri(), v.digest());
    } else {
      Manifest m = ArtifactStore.manifestOf(dir, lineage);
      Files.write(dir.resolve(ArtifactStore.MANIFEST), m.toBytes());
      root.out().printf("%s%n%s%ndigest sha256-%s%n", summary, localOut, m.digest());
    }
    return 0;
  }

  private MergeSpec mergeSpec() {
    MergeMethod m;
    try {
      m = MergeMethod.fromWireName(method);
    } catch (InvalidMergeSpecException e) {
      throw usage(
          "unknown --method '"
              + method
              + "'; one of "
              + Arrays.stream(MergeMethod.values()).map(MergeMethod::wireName).toList());
    }
    MajoritySign sign;
    try {
      sign = MajoritySign.valueOf(majoritySign.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw usage("--majority-sign must be total or frequency, not '" + majoritySign + "'");
    }
    if (density != null && !m.needsDensity()) {
      throw usage("--density does not apply to --method " + m.wireName());
    }
    try {
      return new MergeSpec(
          m,
          density == null ? Double.NaN : density,
          sign,
          rank == null ? OptionalInt.empty() : OptionalInt.of(rank),
          seed);
    } catch (InvalidMergeSpecException e) {
      throw usage(
          e.getMessage().replace("outputRank", "--rank").replace("density in", "--density in"));
    }
  }

  /** {@code LOCATION:WEIGHT}, split at the last colon (s3:// URIs contain one too). */
  private Parsed parseSource(String s) {
    int colon = s.lastIndexOf(':');
    String location = colon < 0 ? s : s.substring(0, colon);
    String weight = colon < 0 ? "" : s.substring(colon + 1);
    if (colon <= 0 || location.isEmpty() || location.equals("s3")) {
      throw usage("--source '" + s + "' must be SOURCE:WEIGHT, e.g. ./tone:0.7");
    }
    double w;
    try {
      w = Double.parseDouble(weight);
    } catch (NumberFormatException e) {
      throw usage("the weight of --source '" + s + "' is not a number: '" + weight + "'");
    }
    if (!Double.isFinite(w)) {
      throw usage("the weight of --source '" + s + "' must be finite");
    }
    if (!S3Uri.isS3(location) && !Files.isDirectory(Path.of(location))) {
      throw usage("--source " + location + " is not a directory");
    }
    return new Parsed(location, w);
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
