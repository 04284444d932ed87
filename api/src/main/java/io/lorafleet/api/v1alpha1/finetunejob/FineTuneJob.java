package io.lorafleet.api.v1alpha1.finetunejob;

import static io.lorafleet.api.v1alpha1.CrdConstants.AGE_PATH;
import static io.lorafleet.api.v1alpha1.CrdConstants.READY_REASON_PATH;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.lorafleet.api.v1alpha1.CrdConstants;
import io.lorafleet.api.v1alpha1.common.Readiness;
import io.lorafleet.api.v1alpha1.common.Validation;

/** One LoRA training run that produces a versioned adapter artifact. */
@Group(CrdConstants.GROUP)
@Version(CrdConstants.VERSION)
@ShortNames("ftj")
@Categories(CrdConstants.CATEGORY)
@ValidationRule(value = Validation.METADATA_NAME_RULE, message = Validation.METADATA_NAME_MESSAGE)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Base", jsonPath = ".spec.baseModelRef.name")
@AdditionalPrinterColumn(
    name = "Rank",
    jsonPath = ".spec.lora.rank",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Progress", jsonPath = ".status.progress.percent")
@AdditionalPrinterColumn(
    name = "Loss",
    jsonPath = ".status.progress.loss",
    type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "ETA", jsonPath = ".status.progress.eta", priority = 1)
@AdditionalPrinterColumn(name = "Reason", jsonPath = READY_REASON_PATH, priority = 1)
@AdditionalPrinterColumn(name = "Adapter", jsonPath = ".spec.output.adapterName", priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = AGE_PATH,
    type = AdditionalPrinterColumn.Type.DATE)
public class FineTuneJob extends CustomResource<FineTuneJobSpec, FineTuneJobStatus>
    implements Namespaced {

  @Override
  @Required
  @JsonPropertyDescription("The training run; immutable after creation except suspend.")
  public FineTuneJobSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Phase, progress, last checkpoint, result and conditions.")
  public FineTuneJobStatus getStatus() {
    return super.getStatus();
  }

  /** Succeeded for the current generation (what Argo CD and Flux health checks read). */
  @JsonIgnore
  public boolean isReady() {
    return Readiness.isReady(this);
  }
}
