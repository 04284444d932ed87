package io.lorafleet.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.AdapterQuality;
import io.lorafleet.engine.merge.AdapterQuality.ModuleReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The adapter quality report ({@link AdapterQuality}, algorithms.md B4) of an adapter against its
 * base model: per module the Frobenius norm of {@code ΔW = s·B·A}, its numerical (effective) rank,
 * and the intruder dimensions of {@code W0 + ΔW} against {@code W0}.
 */
@Command(
    name = "quality",
    description =
        "Adapter quality report (docs/merging.md): per module the norm of the delta s·B·A, its"
            + " effective rank and the intruder dimensions against the base weights; a table, or"
            + " JSON with --json.")
final class QualityCommand implements Callable<Integer> {
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  @ParentCommand Lorafleet root;

  @Spec CommandSpec spec;

  @Option(
      names = "--base",
      required = true,
      paramLabel = "MODEL_DIR|s3://...",
      description = "the base model: an HF directory, or a published version (or its prefix)")
  String base;

  @Option(
      names = "--adapter",
      required = true,
      paramLabel = "DIR|s3://...",
      description = "the adapter: a PEFT directory, or a published version (or its prefix)")
  String adapter;

  @Option(
      names = "--top-k",
      defaultValue = "10",
      description = "singular vectors of W0 + ΔW checked for intruders (default: ${DEFAULT-VALUE})")
  int topK;

  @Option(
      names = "--epsilon",
      defaultValue = "0.5",
      description =
          "a singular vector is an intruder when its largest |cosine| with every singular vector"
              + " of the base weight is below this (default: ${DEFAULT-VALUE})")
  double epsilon;

  @Option(names = "--json", description = "print the report as JSON")
  boolean json;

  @Mixin StoreOptions store;

  @Override
  public Integer call() throws Exception {
    if (topK < 1) {
      throw usage("--top-k must be at least 1");
    }
    if (!(epsilon > 0 && epsilon <= 1)) {
      throw usage("--epsilon must be in (0, 1]");
    }
    for (String where : List.of(base, adapter)) {
      if (!S3Uri.isS3(where) && !Files.isDirectory(Path.of(where))) {
        throw usage(where + " is not a directory");
      }
    }
    boolean remote = S3Uri.isS3(base) || S3Uri.isS3(adapter);
    Path work = Files.createTempDirectory("lorafleet-quality");
    try (StoreOptions.Opened opened = remote ? store.open(root.env) : null) {
      Path baseDir = local(base, opened, work.resolve("base"));
      LoraAdapter loaded = PeftAdapterReader.read(local(adapter, opened, work.resolve("adapter")));
      Map<ModuleKey, ModuleReport> report = AdapterQuality.report(loaded, baseDir, topK, epsilon);
      if (json) {
        root.out().println(JSON.writeValueAsString(toJson(report)));
      } else {
        printTable(report);
      }
      return 0;
    } finally {
      ScratchDirectories.delete(work);
    }
  }

  private static Path local(String where, StoreOptions.Opened opened, Path into)
      throws IOException {
    if (S3Uri.isS3(where)) {
      opened.artifacts().pull(S3Uri.parse(where), into);
      return into;
    }
    return Path.of(where);
  }

  private Map<String, Object> toJson(Map<ModuleKey, ModuleReport> report) {
    List<Map<String, Object>> modules = new ArrayList<>();
    for (Map.Entry<ModuleKey, ModuleReport> e : report.entrySet()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("module", e.getKey().path());
      m.put("deltaNorm", e.getValue().deltaNorm());
      m.put("effectiveRank", e.getValue().numericalRank());
      m.put("intruders", e.getValue().intruders());
      m.put("maxCosines", e.getValue().maxCosines());
      modules.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("base", base);
    out.put("adapter", adapter);
    out.put("topK", topK);
    out.put("epsilon", epsilon);
    out.put("summary", summary(report));
    out.put("modules", modules);
    return out;
  }

  /**
   * Totals: modules, intruders, modules with at least one intruder, the norm of the whole delta.
   */
  static Map<String, Object> summary(Map<ModuleKey, ModuleReport> report) {
    int intruders = 0;
    int withIntruders = 0;
    double squared = 0;
    for (ModuleReport r : report.values()) {
      intruders += r.intruders();
      withIntruders += r.intruders() > 0 ? 1 : 0;
      squared += r.deltaNorm() * r.deltaNorm();
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("modules", report.size());
    s.put("intruders", intruders);
    s.put("modulesWithIntruders", withIntruders);
    s.put("deltaNorm", Math.sqrt(squared));
    return s;
  }

  private void printTable(Map<ModuleKey, ModuleReport> report) {
    int width = "module".length();
    for (ModuleKey k : report.keySet()) {
      width = Math.max(width, k.path().length());
    }
    String row = "%-" + width + "s  %12s  %5s  %9s  %7s%n";
    root.out().printf(Locale.ROOT, row, "module", "delta norm", "rank", "intruders", "min cos");
    for (Map.Entry<ModuleKey, ModuleReport> e : report.entrySet()) {
      ModuleReport r = e.getValue();
      double minCos = 1;
      for (double c : r.maxCosines()) {
        minCos = Math.min(minCos, c);
      }
      root.out()
          .printf(
              Locale.ROOT,
              row,
              e.getKey().path(),
              String.format(Locale.ROOT, "%.6g", r.deltaNorm()),
              r.numericalRank(),
              r.intruders(),
              String.format(Locale.ROOT, "%.4f", minCos));
    }
    Map<String, Object> s = summary(report);
    root.out()
        .printf(
            Locale.ROOT,
            "%d modules, %d intruder dimensions in %d modules (top %d, epsilon %s), delta norm"
                + " %.6g%n",
            s.get("modules"),
            s.get("intruders"),
            s.get("modulesWithIntruders"),
            topK,
            epsilon,
            s.get("deltaNorm"));
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
