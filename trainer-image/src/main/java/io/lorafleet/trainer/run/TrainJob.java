package io.lorafleet.trainer.run;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.finetunejob.LoraInit;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.api.v1alpha1.jobs.ValidationSplit;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.engine.backend.Backends;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import io.lorafleet.engine.train.LoraTraining;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.checkpoint.CheckpointStore;
import io.lorafleet.trainer.config.ConfigReader;
import io.lorafleet.trainer.config.ConfigValidator;
import io.lorafleet.trainer.data.BatchPlan;
import io.lorafleet.trainer.data.DataSplit;
import io.lorafleet.trainer.data.DatasetReader;
import io.lorafleet.trainer.data.EosToken;
import io.lorafleet.trainer.data.InvalidLine;
import io.lorafleet.trainer.data.LoadedDataset;
import io.lorafleet.trainer.data.RecordParser;
import io.lorafleet.trainer.data.SequenceEncoder;
import io.lorafleet.trainer.model.BaseModelLoader;
import io.lorafleet.trainer.model.BaseModelSource;
import io.lorafleet.trainer.publish.AdapterPublisher;
import io.lorafleet.trainer.publish.ValidationSplitPublisher;
import io.lorafleet.trainer.report.RunReports;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.storage.Place;
import io.lorafleet.trainer.storage.Places;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One training run from trainer.json to result.json: fetch the base model, read and check the
 * dataset, resume from the newest usable checkpoint of the run directory, train, publish the
 * held-out validation rows and the adapter, report. Returns the process exit code ({@link
 * ExitCodes}).
 */
public final class TrainJob {
  private static final System.Logger LOG = System.getLogger(TrainJob.class.getName());

  /** AdamW constants (PyTorch's defaults); the CRD exposes only weight decay. */
  static final double BETA1 = 0.9;

  static final double BETA2 = 0.999;
  static final double EPSILON = 1e-8;
  static final int MAX_LOGGED_INVALID = 100;

  private final TrainingMath math;
  private final Map<String, String> env;
  private final Path workRoot;
  private final TerminationMessage termination;
  private final Clock clock;
  private final Duration progressInterval;
  private Consumer<RunProgress> observer = p -> {};
  private ActivationMemory activationMemory = ActivationMemory.auto();
  private String backend = Backends.AUTO;

  public TrainJob(
      TrainingMath math,
      Map<String, String> env,
      Path workRoot,
      TerminationMessage termination,
      Clock clock,
      Duration progressInterval) {
    this.math = math;
    this.env = Map.copyOf(env);
    this.workRoot = workRoot;
    this.termination = termination;
    this.clock = clock;
    this.progressInterval = progressInterval;
  }

  /** Shows every step's progress to {@code observer} as well (a console progress bar). */
  public TrainJob observedBy(Consumer<RunProgress> observer) {
    this.observer = observer;
    return this;
  }

  /** How much activation memory the trainer keeps ({@link ActivationMemory#auto()} by default). */
  public TrainJob withActivationMemory(ActivationMemory activationMemory) {
    this.activationMemory = activationMemory;
    return this;
  }

  /** The compute backend by name ({@code auto} by default; see {@link Backends#select}). */
  public TrainJob withBackend(String backend) {
    this.backend = backend;
    return this;
  }

  public int run(Path configFile) {
    try (Places places = new Places(env)) {
      return run(configFile, places);
    }
  }

  private int run(Path configFile, Places places) {
    RunReports reports = null;
    try {
      TrainerConfig config = ConfigReader.read(configFile);
      Place run =
          places.open(config.run().directory(), config.output().credentialsDir(), "run.directory");
      reports = new RunReports(run, clock, progressInterval).observedBy(observer);
      Optional<RunResult> previous = reports.previousResult();
      if (previous.isPresent() && previous.get().succeeded()) {
        LOG.log(Level.INFO, "this run already succeeded: {0}", previous.get().adapter());
        termination.write("succeeded: " + previous.get().adapter().digest());
        return ExitCodes.OK;
      }
      RunResult result = train(config, places, run, reports);
      reports.result(result);
      termination.write("succeeded: " + result.adapter().digest());
      return ExitCodes.OK;
    } catch (TrainerFailure f) {
      return fail(reports, f);
    } catch (ObjectStoreException e) {
      return fail(reports, StoreFailures.of(e));
    } catch (IOException | RuntimeException | OutOfMemoryError e) {
      LOG.log(Level.ERROR, "training failed", e);
      return fail(reports, TrainerFailure.transientFailure("TrainerFailed", String.valueOf(e), e));
    }
  }

  private int fail(RunReports reports, TrainerFailure f) {
    LOG.log(Level.ERROR, "{0}: {1}", f.reason(), f.getMessage());
    if (reports != null) {
      try {
        reports.result(RunResult.failed(f.reason(), f.getMessage()));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "could not write result.json: " + e.getMessage());
      }
    }
    termination.write(f.reason() + ": " + f.getMessage());
    return f.exitCode();
  }

  private RunResult train(TrainerConfig c, Places places, Place run, RunReports reports)
      throws TrainerFailure, IOException {
    Path work = Files.createDirectories(workRoot);
    Place basePlace =
        places.open(c.baseModel().uri(), c.baseModel().credentialsDir(), "baseModel.uri");
    BaseModelSource.LocalModel base =
        BaseModelSource.fetch(
            basePlace, places.localPath(basePlace), c.baseModel().digest(), work.resolve("models"));
    LOG.log(Level.INFO, "base model {0} ({1})", basePlace, base.digest());
    ConfigValidator.validateForModel(c, BaseModelLoader.config(base.dir()));
    Place datasetPlace = places.open(c.dataset().uri(), c.datasetCredentialsDir(), "dataset.uri");
    Place versions =
        places.open(c.output().versionsUri(), c.output().credentialsDir(), "output.versionsUri");

    LoadedDataset data;
    try (HfTokenizer tokenizer = HfTokenizer.load(base.dir())) {
      data = readDataset(c, base.dir(), tokenizer, datasetPlace);
    }
    DataSplit split =
        DataSplit.of(data.examples(), c.dataset().validationSplit(), c.training().seed());
    data = data.withoutExamples(); // the training lines' text is garbage from here on
    LOG.log(
        Level.INFO,
        "dataset {0} ({1}): {2} records, {3} invalid, {4} train, {5} validation",
        datasetPlace,
        data.digest(),
        data.records(),
        data.invalid().size(),
        split.train().size(),
        split.validation().size());

    LlamaModel model = BaseModelLoader.load(base.dir(), backend);
    try {
      LoraTrainingOptions options = options(c, model.config());
      LoraTraining training =
          math.create(model, options, activationMemory.budget(model.config(), options));
      BatchPlan batches =
          new BatchPlan(
              split.train().stream().mapToInt(e -> e.sequence().length()).toArray(),
              c.training().batchSize(),
              c.training().seed());
      TrainingPlan plan = TrainingPlan.of(c.training(), batches.batchesPerEpoch());
      String fingerprint = RunIdentity.fingerprint(c, base.digest(), data.digest());

      CheckpointStore checkpoints = new CheckpointStore(run);
      long start = 0;
      RunProgress.Checkpoint resumedFrom = null;
      Optional<CheckpointStore.Restored> restored =
          checkpoints.latest(
              i -> i.fingerprint().equals(fingerprint) && i.step() <= plan.totalSteps(), work);
      if (restored.isPresent()) {
        training.restore(math.read(restored.get().state()));
        Files.delete(restored.get().state());
        start = restored.get().info().step();
        resumedFrom = new RunProgress.Checkpoint(start, restored.get().place().toString());
        LOG.log(Level.INFO, "resuming from {0} (step {1})", restored.get().place(), start);
      }
      TrainingLoop.Inputs inputs =
          new TrainingLoop.Inputs(
              training,
              math,
              c.training(),
              plan,
              batches,
              split.train(),
              split.validation(),
              fingerprint);
      LoopResult loop =
          new TrainingLoop(inputs, checkpoints, reports, work, resumedFrom).run(start);
      LoraAdapter adapter = training.toPublishedAdapter(DType.F32);
      if (training instanceof AutoCloseable closeable) {
        close(closeable);
      }

      Map<String, String> lineage =
          new LinkedHashMap<>(RunIdentity.lineage(c, base.digest(), data.digest()));
      // The held-out rows go out first; the version's lineage names them (the default rows of
      // a canary's evaluation gate, docs/evaluation.md).
      Optional<ValidationSplit> held =
          ValidationSplitPublisher.publish(
              split.validation(), c.dataset().format(), c.training().maxSequenceLength(), versions);
      held.ifPresent(v -> lineage.putAll(v.lineage()));
      PublishedVersion version = AdapterPublisher.publish(adapter, versions, lineage, work);
      LOG.log(Level.INFO, "published {0}", version.uri());
      return RunResult.succeeded(
          new RunResult.Adapter(version.uri().toString(), "sha256:" + version.digest()),
          metrics(loop, plan, data, split, start),
          lineage);
    } finally {
      model.backend().close();
    }
  }

  private LoadedDataset readDataset(
      TrainerConfig c, Path modelDir, HfTokenizer tokenizer, Place dataset)
      throws TrainerFailure, IOException {
    ChatTemplate template = null;
    if (c.dataset().format() == DatasetFormat.CHAT) {
      try {
        template = ChatTemplate.load(modelDir);
      } catch (IOException e) {
        throw TrainerFailure.badInput(
            LoadedDataset.INVALID,
            "chat data needs the base model's chat template: " + e.getMessage());
      }
    }
    SequenceEncoder encoder =
        new SequenceEncoder(
            tokenizer,
            template,
            EosToken.of(modelDir, tokenizer),
            c.training().maxSequenceLength());
    DatasetReader reader = new DatasetReader(new RecordParser(c.dataset().format()), encoder);
    if (c.dataset().validationSplit() > 0) {
      reader = reader.keepingLines(); // the held-out lines are published with the adapter
    }
    LoadedDataset data = reader.read(dataset);
    List<InvalidLine> invalid = data.invalid();
    for (InvalidLine l : invalid.subList(0, Math.min(invalid.size(), MAX_LOGGED_INVALID))) {
      LOG.log(Level.WARNING, "invalid line {0}", l);
    }
    if (invalid.size() > MAX_LOGGED_INVALID) {
      LOG.log(Level.WARNING, "... and {0} more invalid lines", invalid.size() - MAX_LOGGED_INVALID);
    }
    data.check(c.dataset().maxInvalidFraction());
    return data;
  }

  private static void close(AutoCloseable c) throws IOException {
    try {
      c.close();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  static LoraTrainingOptions options(TrainerConfig c, ModelConfig model) {
    var l = c.lora();
    var t = c.training();
    List<LinearModule> targets =
        l.targetModules().stream().map(m -> LinearModule.valueOf(m.name())).toList();
    return new LoraTrainingOptions(
        l.rank(),
        l.alpha(),
        l.useRslora(),
        l.dropout(),
        targets,
        l.init() == LoraInit.PISSA
            ? LoraTrainingOptions.Init.PISSA
            : LoraTrainingOptions.Init.STANDARD,
        t.seed(),
        t.weightDecay(),
        BETA1,
        BETA2,
        EPSILON,
        t.maxGradNorm());
  }

  private static Map<String, Object> metrics(
      LoopResult loop, TrainingPlan plan, LoadedDataset data, DataSplit split, long resumedAt) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("steps", loop.steps());
    m.put("epochs", plan.epochs(loop.steps()));
    m.put("trainLoss", loop.trainLoss());
    m.put("evalLoss", loop.evalLoss());
    m.put("resumedFromStep", resumedAt);
    m.put("trainExamples", split.train().size());
    m.put("validationExamples", split.validation().size());
    m.put("invalidLines", data.invalid().size());
    m.put("records", data.records());
    m.put("tokensThisAttempt", loop.tokens());
    m.put("secondsThisAttempt", loop.seconds());
    return m;
  }
}
