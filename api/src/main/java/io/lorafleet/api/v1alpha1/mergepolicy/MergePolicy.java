package io.lorafleet.api.v1alpha1.mergepolicy;

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

/** A declarative merge of adapters of one base model into a new adapter. */
@Group(CrdConstants.GROUP)
@Version(CrdConstants.VERSION)
@ShortNames("mp")
@Categories(CrdConstants.CATEGORY)
@ValidationRule(value = Validation.METADATA_NAME_RULE, message = Validation.METADATA_NAME_MESSAGE)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = READY_STATUS_PATH,
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Method", jsonPath = ".spec.method")
@AdditionalPrinterColumn(name = "Base", jsonPath = ".spec.baseModelRef.name")
@AdditionalPrinterColumn(name = "Output", jsonPath = ".spec.output.adapterName")
@AdditionalPrinterColumn(name = "Reason", jsonPath = READY_REASON_PATH, priority = 1)
@AdditionalPrinterColumn(name = "Digest", jsonPath = ".status.output.digest", priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = AGE_PATH,
    type = AdditionalPrinterColumn.Type.DATE)
public class MergePolicy extends CustomResource<MergePolicySpec, MergePolicyStatus>
    implements Namespaced {

  @Override
  @Required
  @JsonPropertyDescription("The sources, method and output of the merge.")
  public MergePolicySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Merged source digests, the output and conditions.")
  public MergePolicyStatus getStatus() {
    return super.getStatus();
  }

  /** Merged output published for the current sources (what Argo CD and Flux read). */
  @JsonIgnore
  public boolean isReady() {
    return Readiness.isReady(this);
  }
}
