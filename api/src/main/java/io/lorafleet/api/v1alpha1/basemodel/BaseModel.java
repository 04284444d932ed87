package io.lorafleet.api.v1alpha1.basemodel;

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

/** A base model and its pool of shared serving pods. */
@Group(CrdConstants.GROUP)
@Version(CrdConstants.VERSION)
@ShortNames("bm")
@Categories(CrdConstants.CATEGORY)
@ValidationRule(value = Validation.METADATA_NAME_RULE, message = Validation.METADATA_NAME_MESSAGE)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = READY_STATUS_PATH,
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Runtime", jsonPath = ".spec.serving.runtime")
@AdditionalPrinterColumn(name = "Architecture", jsonPath = ".status.architecture.architecture")
@AdditionalPrinterColumn(
    name = "Pods-Ready",
    jsonPath = ".status.readyReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Pods",
    jsonPath = ".spec.serving.replicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Router",
    jsonPath = ".status.conditions[?(@.type==\"RouterReady\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = READY_REASON_PATH, priority = 1)
@AdditionalPrinterColumn(name = "Digest", jsonPath = ".status.digest", priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = AGE_PATH,
    type = AdditionalPrinterColumn.Type.DATE)
public class BaseModel extends CustomResource<BaseModelSpec, BaseModelStatus>
    implements Namespaced {

  @Override
  @Required
  @JsonPropertyDescription("The model to serve and its serving pool.")
  public BaseModelSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "What the operator observed: resolved shapes, digest, pods and conditions.")
  public BaseModelStatus getStatus() {
    return super.getStatus();
  }

  /** Ready for the current generation (what Argo CD and Flux health checks read). */
  @JsonIgnore
  public boolean isReady() {
    return Readiness.isReady(this);
  }
}
