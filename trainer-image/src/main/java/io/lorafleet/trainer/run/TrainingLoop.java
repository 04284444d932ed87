package io.lorafleet.trainer.run;

import io.lorafleet.api.v1alpha1.finetunejob.TrainingSpec;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.train.LoraTraining;
import io.lorafleet.engine.train.LossSum;
import io.lorafleet.engine.train.TrainingSequence;
import io.lorafleet.trainer.checkpoint.CheckpointInfo;
import io.lorafleet.trainer.checkpoint.CheckpointStore;
import io.lorafleet.trainer.data.BatchPlan;
import io.lorafleet.trainer.data.Example;
import io.lorafleet.trainer.report.RunReports;
import io.lorafleet.trainer.storage.Place;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The optimizer steps from a start step to the plan's end: micro-batches accumulated per step, the
 * learning rate from the schedule, progress.json at most every few seconds, validation loss and a
 * checkpoint every {@code checkpointInterval} steps and at the end.
 */
public final class TrainingLoop {
  private static final System.Logger LOG = System.getLogger(TrainingLoop.class.getName());

  /** Everything the loop reads; built once by {@link TrainJob}. */
  public record Inputs(
      LoraTraining training,
      TrainingMath math,
      TrainingSpec spec,
      TrainingPlan plan,
      BatchPlan batches,
      List<Example> train,
      List<Example> validation,
      String fingerprint) {}

  private final Inputs in;
  private final CheckpointStore checkpoints;
  private final RunReports reports;
  private final Path workDir;
  private RunProgress.Checkpoint lastCheckpoint;
  private Double lastEval;

  public TrainingLoop(
      Inputs in,
      CheckpointStore checkpoints,
      RunReports reports,
      Path workDir,
      RunProgress.Checkpoint resumedFrom) {
    this.in = in;
    this.checkpoints = checkpoints;
    this.reports = reports;
    this.workDir = workDir;
    this.lastCheckpoint = resumedFrom;
  }

  public LoopResult run(long startStep) throws IOException {
    TrainingPlan plan = in.plan();
    Instant started = reports.clock().instant();
    long tokens = 0;
    Double loss = null;
    long cachedEpoch = -1;
    List<int[]> epoch = List.of();
    for (long step = startStep; step < plan.totalSteps(); step++) {
      if (plan.epochOf(step) != cachedEpoch) {
        cachedEpoch = plan.epochOf(step);
        epoch = in.batches().epoch(cachedEpoch);
      }
      LossSum stepLoss = LossSum.ZERO;
      for (int b = plan.firstBatch(step); b < plan.endBatch(step); b++) {
        List<TrainingSequence> micro = sequences(in.train(), epoch.get(b));
        stepLoss = stepLoss.plus(in.training().accumulate(micro, plan.dropoutKey(step, b)));
        tokens += micro.stream().mapToLong(TrainingSequence::length).sum();
      }
      double lr =
          in.math()
              .learningRate(
                  in.spec().schedule(),
                  in.spec().learningRate(),
                  in.spec().warmupSteps(),
                  plan.totalSteps(),
                  step);
      in.training().step(lr, stepLoss.targets());
      loss = stepLoss.mean();
      long done = step + 1;
      boolean checkpoint = done % in.spec().checkpointInterval() == 0 || done == plan.totalSteps();
      if (checkpoint) {
        lastEval = evaluate();
        checkpoint(done, loss);
      }
      double seconds = seconds(started);
      reports.progress(
          progress(done, loss, tokens / Math.max(seconds, 1e-9), eta(startStep, done, seconds)),
          checkpoint);
      if (checkpoint) {
        LOG.log(
            Level.INFO,
            String.format(
                Locale.ROOT,
                "step %d/%d loss %.5f eval %s lr %.3g",
                done,
                plan.totalSteps(),
                loss,
                lastEval == null ? "-" : String.format(Locale.ROOT, "%.5f", lastEval),
                lr));
      }
    }
    if (startStep >= plan.totalSteps()) {
      lastEval = evaluate();
    }
    return new LoopResult(plan.totalSteps(), loss, lastEval, tokens, seconds(started));
  }

  private double seconds(Instant started) {
    return Duration.between(started, reports.clock().instant()).toNanos() / 1e9;
  }

  private Long eta(long startStep, long done, double seconds) {
    long stepsHere = done - startStep;
    return stepsHere == 0
        ? null
        : Math.round(seconds / stepsHere * (in.plan().totalSteps() - done));
  }

  private RunProgress progress(long done, Double loss, double tokensPerSecond, Long eta) {
    return new RunProgress(
        done,
        in.plan().totalSteps(),
        in.plan().epochs(done),
        finite(loss),
        finite(lastEval),
        tokensPerSecond,
        eta,
        lastCheckpoint,
        reports.clock().instant().toString());
  }

  private static Double finite(Double d) {
    return d == null || d.isNaN() || d.isInfinite() ? null : d;
  }

  /** Mean loss over the validation split, or null without one. */
  public Double evaluate() {
    if (in.validation().isEmpty()) {
      return null;
    }
    LossSum sum = LossSum.ZERO;
    int size = in.spec().batchSize();
    for (int i = 0; i < in.validation().size(); i += size) {
      List<TrainingSequence> batch = new ArrayList<>();
      for (Example e : in.validation().subList(i, Math.min(i + size, in.validation().size()))) {
        batch.add(e.sequence());
      }
      sum = sum.plus(in.training().evaluate(batch));
    }
    return sum.mean();
  }

  private void checkpoint(long done, Double loss) throws IOException {
    Path state = workDir.resolve("state-" + done + ".safetensors");
    in.math().write(in.training().snapshot(), state);
    TrainingPlan plan = in.plan();
    CheckpointInfo info =
        new CheckpointInfo(
            CheckpointInfo.SCHEMA_VERSION,
            done,
            plan.epochOf(done),
            plan.firstBatch(done),
            Sha256.hex(state),
            Files.size(state),
            in.fingerprint(),
            finite(loss),
            reports.clock().instant().toString());
    Place p = checkpoints.save(info, state);
    Files.delete(state);
    lastCheckpoint = new RunProgress.Checkpoint(done, p.toString());
  }

  private static List<TrainingSequence> sequences(List<Example> train, int[] indices) {
    List<TrainingSequence> out = new ArrayList<>(indices.length);
    for (int i : indices) {
      out.add(train.get(i).sequence());
    }
    return out;
  }
}
