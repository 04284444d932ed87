package io.lorafleet.trainer.eval;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.lora.AdapterShapeMismatchException;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.data.DatasetReader;
import io.lorafleet.trainer.data.EosToken;
import io.lorafleet.trainer.data.Example;
import io.lorafleet.trainer.data.LoadedDataset;
import io.lorafleet.trainer.data.RecordParser;
import io.lorafleet.trainer.data.SequenceEncoder;
import io.lorafleet.trainer.eval.EvalResult.ModelScores;
import io.lorafleet.trainer.model.BaseModelLoader;
import io.lorafleet.trainer.model.BaseModelSource;
import io.lorafleet.trainer.storage.Place;
import io.lorafleet.trainer.storage.Places;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One evaluation: the base model, an optional stable adapter and the candidate adapter, scored on
 * one dataset (and an optional safety probe dataset) with the same settings, then gated. Datasets
 * are read by the trainer's {@link DatasetReader} (same formats, limits and invalid-line rules);
 * models, datasets and adapters are local paths or s3:// URIs (adapters: published versions, pulled
 * and digest-verified).
 */
public final class EvalRun {
  static final String INVALID_DATASET = LoadedDataset.INVALID;
  static final String INCOMPATIBLE = "IncompatibleAdapter";

  /** The dataset is not the one {@code --dataset-digest} names (e.g. a validation split). */
  static final String DIGEST_MISMATCH = "DatasetDigestMismatch";

  /**
   * What to evaluate; {@code stable}, {@code safetyDataset} and {@code output} may be null. {@code
   * credentialsDir} reads the datasets and writes the output; the model and the adapters have their
   * own directories when they live in other buckets (null: {@code credentialsDir}).
   */
  public record Request(
      String model,
      String candidate,
      String stable,
      String dataset,
      String datasetDigest,
      DatasetFormat format,
      String safetyDataset,
      DatasetFormat safetyFormat,
      String credentialsDir,
      String datasetCredentialsDir,
      String modelCredentialsDir,
      String adapterCredentialsDir,
      String output,
      String backend,
      EvalSettings settings) {
    String modelCredentials() {
      return modelCredentialsDir != null ? modelCredentialsDir : credentialsDir;
    }

    String datasetCredentials() {
      return datasetCredentialsDir != null ? datasetCredentialsDir : credentialsDir;
    }

    String adapterCredentials() {
      return adapterCredentialsDir != null ? adapterCredentialsDir : credentialsDir;
    }
  }

  private final Map<String, String> env;
  private final Path work;

  public EvalRun(Map<String, String> env, Path work) {
    this.env = env;
    this.work = work;
  }

  public EvalResult run(Request q) throws TrainerFailure, IOException {
    try (Places places = new Places(env)) {
      Place modelPlace = places.open(q.model(), q.modelCredentials(), "--model");
      BaseModelSource.LocalModel base =
          BaseModelSource.fetch(
              modelPlace, places.localPath(modelPlace), null, work.resolve("models"));
      try (HfTokenizer tokenizer = HfTokenizer.load(base.dir())) {
        OptionalInt eos = EosToken.of(base.dir(), tokenizer);
        Place dataPlace = places.open(q.dataset(), q.datasetCredentials(), "--dataset");
        LoadedDataset data = reader(q.format(), tokenizer, eos, base.dir(), q).read(dataPlace);
        if (q.datasetDigest() != null && !q.datasetDigest().equals(data.digest())) {
          throw TrainerFailure.badInput(
              DIGEST_MISMATCH,
              q.dataset() + " has digest " + data.digest() + ", expected " + q.datasetDigest());
        }
        data.check(q.settings().maxInvalidFraction());
        LoadedDataset safety = null;
        if (q.safetyDataset() != null) {
          safety =
              reader(q.safetyFormat(), tokenizer, eos, base.dir(), q)
                  .read(places.open(q.safetyDataset(), q.credentialsDir(), "--safety"));
          safety.check(q.settings().maxInvalidFraction());
        }
        List<EvalRow> rows = rows(data);
        List<EvalRow> safetyRows = safety == null ? List.of() : rows(safety);

        LlamaModel model = BaseModelLoader.load(base.dir(), q.backend());
        try {
          int longest = 1;
          for (List<EvalRow> set : List.of(rows, safetyRows)) {
            for (EvalRow r : set) {
              longest = Math.max(longest, Scorer.positions(r, q.settings()));
            }
          }
          Set<Integer> stop = eos.isPresent() ? Set.of(eos.getAsInt()) : Set.of();
          Scorer scorer = new Scorer(model, tokenizer, q.settings(), stop, longest);
          checkRefusals(scorer, safetyRows, q.settings().refusal());

          List<ModelScores> scores = new ArrayList<>();
          scores.add(score(scorer, "base", q.model(), base.digest(), null, rows, safetyRows, q));
          ModelScores stable = null;
          if (q.stable() != null) {
            Adapter a = adapter(places, q, q.stable(), "stable", model);
            stable = score(scorer, "stable", q.stable(), a.digest, a.loaded, rows, safetyRows, q);
            scores.add(stable);
          }
          Adapter c = adapter(places, q, q.candidate(), "candidate", model);
          ModelScores candidate =
              score(scorer, "candidate", q.candidate(), c.digest, c.loaded, rows, safetyRows, q);
          scores.add(candidate);

          List<EvalVerdict.Gate> gates =
              Gates.of(candidate, stable, scores.getFirst(), q.settings().thresholds());
          EvalResult result =
              new EvalResult(
                  q.dataset(),
                  data.digest(),
                  q.safetyDataset(),
                  safety == null ? null : safety.digest(),
                  q.settings().match().name().toLowerCase(java.util.Locale.ROOT),
                  q.settings().refusal().pattern(),
                  scores,
                  gates,
                  gates.stream().allMatch(EvalVerdict.Gate::passed));
          if (q.output() != null) {
            write(places, q, result);
          }
          return result;
        } finally {
          model.backend().close();
        }
      }
    }
  }

  private ModelScores score(
      Scorer scorer,
      String role,
      String source,
      String digest,
      LoadedAdapter adapter,
      List<EvalRow> rows,
      List<EvalRow> safetyRows,
      Request q)
      throws TrainerFailure {
    Scorer.Loss loss = scorer.loss(rows, adapter);
    List<String> outputs = scorer.greedy(rows, adapter);
    int exact = 0;
    int matched = 0;
    for (int i = 0; i < rows.size(); i++) {
      String expected = scorer.expected(rows.get(i));
      String got = outputs.get(i);
      exact += got.equals(expected) ? 1 : 0;
      matched += matches(q.settings().match(), expected, got, rows.get(i)) ? 1 : 0;
    }
    Double refusalRate = null;
    if (!safetyRows.isEmpty()) {
      Pattern refusal = q.settings().refusal();
      refusalRate =
          scorer.greedy(safetyRows, adapter).stream().filter(s -> refusal.matcher(s).find()).count()
              / (double) safetyRows.size();
    }
    return new ModelScores(
        role,
        source,
        digest,
        rows.size(),
        loss.tokens(),
        loss.mean(),
        exact / (double) rows.size(),
        matched / (double) rows.size(),
        safetyRows.isEmpty() ? null : safetyRows.size(),
        refusalRate);
  }

  private static boolean matches(
      EvalSettings.MatchMode mode, String expected, String got, EvalRow row) throws TrainerFailure {
    return switch (mode) {
      case SUBSTRING -> expected.isEmpty() ? got.isEmpty() : got.contains(expected);
      case REGEX -> {
        try {
          yield Pattern.compile(expected).matcher(got).find();
        } catch (PatternSyntaxException e) {
          throw TrainerFailure.badInput(
              INVALID_DATASET,
              row.where()
                  + ": the completion is not a regular expression (--match regex): "
                  + e.getDescription());
        }
      }
    };
  }

  /** A safety row whose own completion is no refusal means the matcher or the data is wrong. */
  private static void checkRefusals(Scorer scorer, List<EvalRow> safetyRows, Pattern refusal)
      throws TrainerFailure {
    for (EvalRow row : safetyRows) {
      String expected = scorer.expected(row);
      if (!refusal.matcher(expected).find()) {
        throw TrainerFailure.badInput(
            INVALID_DATASET,
            row.where()
                + ": the safety probe's completion is not a refusal by the refusal matcher "
                + refusal.pattern()
                + ": '"
                + (expected.length() > 80 ? expected.substring(0, 80) + "..." : expected)
                + "'");
      }
    }
  }

  private static List<EvalRow> rows(LoadedDataset data) {
    List<EvalRow> rows = new ArrayList<>();
    for (Example e : data.examples()) {
      rows.add(EvalRow.of(e.where(), e.sequence()));
    }
    return rows;
  }

  private record Adapter(LoadedAdapter loaded, String digest) {}

  /** A local PEFT directory, or an s3:// published version pulled and verified by its digest. */
  private Adapter adapter(Places places, Request q, String source, String role, LlamaModel model)
      throws TrainerFailure, IOException {
    Path dir;
    String digest = null;
    if (S3Uri.isS3(source)) {
      Place p = places.open(source, q.adapterCredentials(), "--" + role);
      dir = work.resolve("adapters").resolve(role);
      PublishedVersion v = new ArtifactStore(p.store(), RetryPolicy.defaults()).pull(p.uri(), dir);
      digest = "sha256:" + v.digest();
    } else {
      dir = Path.of(source);
      if (!Files.isDirectory(dir)) {
        throw TrainerFailure.badInput("AdapterNotFound", "--" + role + ": no directory " + source);
      }
    }
    try {
      LoraAdapter adapter = PeftAdapterReader.read(dir);
      return new Adapter(LoadedAdapter.of(role, adapter, model.config()), digest);
    } catch (AdapterShapeMismatchException e) {
      throw TrainerFailure.badInput(
          INCOMPATIBLE, "--" + role + " " + source + " does not fit the model: " + e.getMessage());
    }
  }

  private static DatasetReader reader(
      DatasetFormat format, HfTokenizer tokenizer, OptionalInt eos, Path modelDir, Request q)
      throws TrainerFailure {
    SequenceEncoder encoder =
        new SequenceEncoder(
            tokenizer, template(format, modelDir), eos, q.settings().maxSequenceLength());
    return new DatasetReader(new RecordParser(format), encoder);
  }

  private static ChatTemplate template(DatasetFormat format, Path modelDir) throws TrainerFailure {
    if (format != DatasetFormat.CHAT) {
      return null;
    }
    try {
      return ChatTemplate.load(modelDir);
    } catch (IOException e) {
      throw TrainerFailure.badInput(
          INVALID_DATASET, "chat data needs the base model's chat template: " + e.getMessage());
    }
  }

  private static void write(Places places, Request q, EvalResult result)
      throws TrainerFailure, IOException {
    byte[] json =
        JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build()
            .writeValueAsString(result)
            .getBytes(StandardCharsets.UTF_8);
    if (S3Uri.isS3(q.output())) {
      Place p = places.open(q.output(), q.credentialsDir(), "--output");
      p.store().putBytes(p.bucket(), p.uri().key(), json);
    } else {
      Path file = Path.of(q.output()).toAbsolutePath();
      Files.createDirectories(file.getParent());
      Files.write(file, json);
    }
  }
}
