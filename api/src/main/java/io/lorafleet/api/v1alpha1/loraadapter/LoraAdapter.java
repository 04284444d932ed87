package io.lorafleet.api.v1alpha1.loraadapter;

import static io.lorafleet.api.v1alpha1.CrdConstants.AGE_PATH;
import static io.lorafleet.api.v1alpha1.CrdConstants.READY_REASON_PATH;
import static io.lorafleet.api.v1alpha1.CrdConstants.READY_STATUS_PATH;

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

/** One LoRA adapter, validated against its base model and served by name in its pool. */
@Group(CrdConstants.GROUP)
@Version(CrdConstants.VERSION)
@ShortNames("lad")
@Categories(CrdConstants.CATEGORY)
@ValidationRule(value = Validation.METADATA_NAME_RULE, message = Validation.METADATA_NAME_MESSAGE)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = READY_STATUS_PATH,
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Base", jsonPath = ".spec.baseModelRef.name")
@AdditionalPrinterColumn(
    name = "Rank",
    jsonPath = ".status.rank",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Placed",
    jsonPath = ".status.readyReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Desired",
    jsonPath = ".status.desiredReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Resident",
    jsonPath = ".status.residentReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Demand",
    jsonPath = ".status.demandReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(name = "Reason", jsonPath = READY_REASON_PATH, priority = 1)
@AdditionalPrinterColumn(name = "Digest", jsonPath = ".status.digest", priority = 1)
@AdditionalPrinterColumn(name = "Rollout", jsonPath = ".spec.rollout.strategy", priority = 1)
@AdditionalPrinterColumn(
    name = "Canary",
    jsonPath = ".status.rollout.weight",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = AGE_PATH,
    type = AdditionalPrinterColumn.Type.DATE)
public class LoraAdapter extends CustomResource<LoraAdapterSpec, LoraAdapterStatus>
    implements Namespaced {

  @Override
  @Required
  @JsonPropertyDescription("The adapter artifact, its base model and its placement.")
  public LoraAdapterSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Resolved artifact, placements and conditions.")
  public LoraAdapterStatus getStatus() {
    return super.getStatus();
  }

  /** Ready for the current generation (what Argo CD and Flux health checks read). */
  @JsonIgnore
  public boolean isReady() {
    return Readiness.isReady(this);
  }
}
