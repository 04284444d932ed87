package io.lorafleet.trainer.config;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetSpec;
import io.lorafleet.api.v1alpha1.finetunejob.LoraInit;
import io.lorafleet.api.v1alpha1.finetunejob.LoraSpec;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.api.v1alpha1.finetunejob.TrainingSpec;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.LinearShape;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.trainer.TrainerFailure;
import java.util.ArrayList;
import java.util.List;

/**
 * The CRD's validation rules (the CEL rules on DatasetSpec, LoraSpec and TrainingSpec) checked
 * again in the trainer, because a hand-written config never passed an API server; plus the fields
 * the trainer cannot work without. Every problem is reported at once.
 */
public final class ConfigValidator {
  private ConfigValidator() {}

  /**
   * The rules that need the base model's shape, checked before the model's weights are loaded, so
   * that a config the engine would refuse fails as bad input ({@code InvalidConfig}, exit 2) rather
   * than as a crash that the Job retries. PiSSA initialises A and B from the top-{@code r} singular
   * vectors of each target weight, so {@code lora.rank} must not exceed {@code min(out, in)} of any
   * target module.
   */
  public static void validateForModel(TrainerConfig c, ModelConfig model) throws TrainerFailure {
    List<String> p = new ArrayList<>();
    if (c.lora().init() == LoraInit.PISSA) {
      for (TargetModule t : c.lora().targetModules()) {
        LinearShape s = model.shape(LinearModule.valueOf(t.name()));
        long limit = Math.min(s.out(), s.in());
        if (c.lora().rank() > limit) {
          p.add(
              "lora.rank "
                  + c.lora().rank()
                  + " is more than min(out, in) = "
                  + limit
                  + " of "
                  + LinearModule.valueOf(t.name()).moduleName()
                  + " ("
                  + s.out()
                  + " x "
                  + s.in()
                  + ")");
        }
      }
    }
    if (!p.isEmpty()) {
      throw TrainerFailure.badInput(
          ConfigReader.INVALID_CONFIG,
          "lora.init pissa takes the top-rank singular vectors of each target weight of the base"
              + " model: "
              + String.join("; ", p));
    }
  }

  static void validate(TrainerConfig c, String name) throws TrainerFailure {
    List<String> p = new ArrayList<>();
    if (c.run() == null || blank(c.run().directory())) {
      p.add("run.directory is required");
    }
    if (c.baseModel() == null || blank(c.baseModel().uri())) {
      p.add("baseModel.uri is required");
    }
    if (c.output() == null || blank(c.output().versionsUri())) {
      p.add("output.versionsUri is required");
    }
    dataset(c.dataset(), p);
    lora(c.lora(), p);
    training(c.training(), p);
    if (!p.isEmpty()) {
      throw TrainerFailure.badInput(
          ConfigReader.INVALID_CONFIG, name + ": " + String.join("; ", p));
    }
  }

  private static void dataset(DatasetSpec d, List<String> p) {
    if (d == null) {
      p.add("dataset is required");
      return;
    }
    if (blank(d.uri())) {
      p.add("dataset.uri is required");
    }
    if (d.validationSplit() < 0 || d.validationSplit() >= 1) {
      p.add("dataset.validationSplit must be a fraction in [0, 1)");
    }
    if (d.maxInvalidFraction() < 0 || d.maxInvalidFraction() > 1) {
      p.add("dataset.maxInvalidFraction must be a fraction in [0, 1]");
    }
  }

  private static void lora(LoraSpec l, List<String> p) {
    if (l.rank() < 1 || l.rank() > 512) {
      p.add("lora.rank must be between 1 and 512");
    }
    if (!(l.alpha() > 0)) {
      p.add("lora.alpha must be greater than 0");
    }
    if (l.dropout() < 0 || l.dropout() >= 1) {
      p.add("lora.dropout must be in [0, 1)");
    }
    if (l.targetModules().isEmpty()) {
      p.add("lora.targetModules must name at least one module");
    } else if (l.targetModules().stream().distinct().count() != l.targetModules().size()) {
      p.add("lora.targetModules must not repeat a module");
    } else if (l.targetModules().contains(null)) {
      p.add("lora.targetModules must not contain null");
    }
  }

  private static void training(TrainingSpec t, List<String> p) {
    if (t == null) {
      p.add("training is required (with epochs or maxSteps)");
      return;
    }
    if ((t.epochs() == null) == (t.maxSteps() == null)) {
      p.add("training: set exactly one of epochs or maxSteps");
    }
    if (t.epochs() != null && (t.epochs() < 1 || t.epochs() > 1000)) {
      p.add("training.epochs must be between 1 and 1000");
    }
    if (t.maxSteps() != null && t.maxSteps() < 1) {
      p.add("training.maxSteps must be at least 1");
    }
    if (!(t.learningRate() > 0)) {
      p.add("training.learningRate must be greater than 0");
    }
    if (t.batchSize() < 1 || t.gradientAccumulationSteps() < 1) {
      p.add("training.batchSize and gradientAccumulationSteps must be at least 1");
    }
    if (t.maxSequenceLength() < 16 || t.maxSequenceLength() > 131072) {
      p.add("training.maxSequenceLength must be between 16 and 131072");
    }
    if (t.warmupSteps() < 0 || t.checkpointInterval() < 1) {
      p.add("training.warmupSteps must be at least 0 and checkpointInterval at least 1");
    }
    if (t.weightDecay() < 0 || !(t.maxGradNorm() > 0)) {
      p.add("training.weightDecay must be at least 0 and maxGradNorm greater than 0");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
