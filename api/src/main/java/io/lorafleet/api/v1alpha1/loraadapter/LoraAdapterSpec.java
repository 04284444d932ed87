package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;

/** Which adapter artifact to serve, on which base model, and on how many pods. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.servedName) || self.servedName.matches('^[A-Za-z0-9][A-Za-z0-9._:/-]*$')",
    message =
        "servedName must start with a letter or digit and contain only letters, digits, '.',"
            + " '_', ':', '/' or '-'",
    fieldPath = ".servedName")
public record LoraAdapterSpec(
    @JsonPropertyDescription("The BaseModel whose serving pods load this adapter.") @Required
        LocalReference baseModelRef,
    @JsonPropertyDescription(
            "The adapter in object storage: a published version (a sha256-<digest>/ directory"
                + " with manifest.json, adapter_config.json and adapter_model.safetensors, as"
                + " written by 'lorafleet push', the trainer or a merge), or the prefix above"
                + " such versions, in which case the newest is served. A new version rolls out"
                + " by atomic swap, or as a canary (spec.rollout).")
        @Required
        ArtifactSource artifact,
    @JsonPropertyDescription("On how many serving pods the adapter is loaded.")
        @Default(Placement.DEFAULT)
        Placement placement,
    @JsonPropertyDescription(
            "Name clients pass as 'model' in OpenAI requests; defaults to metadata.name.")
        @Size(max = 128)
        String servedName,
    @JsonPropertyDescription(
            "Delete the artifact from object storage when this LoraAdapter is deleted.")
        @Default("false")
        Boolean deleteArtifactOnRemoval,
    @JsonPropertyDescription(
            "What a load must prove: by default an adapter with no effect on the base model's"
                + " output is not Ready (reason NoEffect).")
        AdapterValidationSpec validation,
    @JsonPropertyDescription(
            "How new versions roll out: Immediate (default, also when absent) or Canary"
                + " (weighted steps next to the stable version).")
        RolloutSpec rollout) {

  /** Without validation and rollout settings (the defaults). */
  public LoraAdapterSpec(
      LocalReference baseModelRef,
      ArtifactSource artifact,
      Placement placement,
      String servedName,
      Boolean deleteArtifactOnRemoval) {
    this(baseModelRef, artifact, placement, servedName, deleteArtifactOnRemoval, null, null);
  }

  /** Whether a load whose probe shows no effect may still count as Ready. */
  @JsonIgnore
  public boolean allowsNoEffect() {
    return validation != null && Boolean.TRUE.equals(validation.allowNoEffect());
  }

  /** Whether the spec asks for a rollout strategy other than Immediate. */
  @JsonIgnore
  public boolean wantsCanary() {
    return rollout != null && rollout.strategy() == RolloutStrategy.Canary;
  }
}
