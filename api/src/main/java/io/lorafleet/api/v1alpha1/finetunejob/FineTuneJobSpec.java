package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.AdapterOutput;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Toleration;
import java.util.List;
import java.util.Map;

/** What to train, on what data, with which settings, and where the adapter goes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = FineTuneJobSpec.IMMUTABLE_RULE, message = FineTuneJobSpec.IMMUTABLE_MESSAGE)
@ValidationRule(
    value = "!has(self.activeDeadlineSeconds) || self.activeDeadlineSeconds >= 1",
    message = "activeDeadlineSeconds must be at least 1",
    fieldPath = ".activeDeadlineSeconds")
@ValidationRule(
    value = "self.backoffLimit >= 0 && self.backoffLimit <= 100",
    message = "backoffLimit must be between 0 and 100",
    fieldPath = ".backoffLimit")
public record FineTuneJobSpec(
    @JsonPropertyDescription("The BaseModel to fine-tune (its source model is trained on).")
        @Required
        LocalReference baseModelRef,
    @JsonPropertyDescription("Training data.") @Required DatasetSpec dataset,
    @JsonPropertyDescription("LoRA adapter settings.") @Default(LoraSpec.DEFAULT) LoraSpec lora,
    @JsonPropertyDescription("Optimisation settings.") @Required TrainingSpec training,
    @JsonPropertyDescription("Where the trained adapter is written and whether it is deployed.")
        @Required
        AdapterOutput output,
    @JsonPropertyDescription("Trainer container resources, e.g. nvidia.com/gpu.")
        ComputeResources resources,
    @JsonPropertyDescription("Node labels the trainer pod must match.")
        Map<String, String> nodeSelector,
    @JsonPropertyDescription("Tolerations for tainted (for example GPU) nodes.") @Size(max = 32)
        List<Toleration> tolerations,
    @JsonPropertyDescription("Trainer image; defaults to the operator's configured image.")
        @Size(max = 512)
        String image,
    @JsonPropertyDescription(
            "Pause the run: the trainer pod is deleted and the run resumes from its last"
                + " checkpoint when set back to false. May change after creation.")
        @Default("false")
        Boolean suspend,
    @JsonPropertyDescription(
            "Time limit of the trainer Job in seconds (its activeDeadlineSeconds): counted from"
                + " the Job's start and again from each resume after a suspend, so time spent"
                + " suspended does not count. Past it the run fails with DeadlineExceeded.")
        Long activeDeadlineSeconds,
    @JsonPropertyDescription(
            "Retries of the trainer pod after transient failures (bad input is not retried).")
        @Default("3")
        Integer backoffLimit,
    @JsonPropertyDescription(
            "Delete the run's checkpoints (<prefix>/<namespace>/finetunejobs/<name>/<uid>/"
                + "checkpoints/) from object storage when the FineTuneJob is deleted. The trained"
                + " adapter and the run's progress.json and result.json are kept either way. If"
                + " object storage cannot be reached, deletion is retried for up to 10 minutes"
                + " and then the checkpoints are left in place (Warning Event CheckpointsKept)."
                + " May change after creation.")
        @Default("false")
        Boolean deleteCheckpointsOnDeletion) {

  /**
   * Every field but suspend and deleteCheckpointsOnDeletion is compared; optional fields must stay
   * absent or stay equal. Defaulted fields (lora, suspend, backoffLimit) are always present after
   * admission.
   */
  static final String IMMUTABLE_RULE =
      "self.baseModelRef == oldSelf.baseModelRef && self.dataset == oldSelf.dataset"
          + " && self.lora == oldSelf.lora && self.training == oldSelf.training"
          + " && self.output == oldSelf.output && self.backoffLimit == oldSelf.backoffLimit"
          + " && has(self.resources) == has(oldSelf.resources)"
          + " && (!has(self.resources) || self.resources == oldSelf.resources)"
          + " && has(self.nodeSelector) == has(oldSelf.nodeSelector)"
          + " && (!has(self.nodeSelector) || self.nodeSelector == oldSelf.nodeSelector)"
          + " && has(self.tolerations) == has(oldSelf.tolerations)"
          + " && (!has(self.tolerations) || self.tolerations == oldSelf.tolerations)"
          + " && has(self.image) == has(oldSelf.image)"
          + " && (!has(self.image) || self.image == oldSelf.image)"
          + " && has(self.activeDeadlineSeconds) == has(oldSelf.activeDeadlineSeconds)"
          + " && (!has(self.activeDeadlineSeconds)"
          + " || self.activeDeadlineSeconds == oldSelf.activeDeadlineSeconds)";

  static final String IMMUTABLE_MESSAGE =
      "a FineTuneJob's spec is immutable after creation except 'suspend' and"
          + " 'deleteCheckpointsOnDeletion'; create a new FineTuneJob to train with other"
          + " settings";
}
