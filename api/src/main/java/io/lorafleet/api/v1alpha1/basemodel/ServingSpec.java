package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.Toleration;
import java.util.List;
import java.util.Map;

/** The serving Deployment the operator owns for a base model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.replicas >= 0 && self.replicas <= 1000",
    message = "replicas must be between 0 and 1000",
    fieldPath = ".replicas")
@ValidationRule(
    value = "!has(self.inferenceAuth) || self.runtime == 'builtin'",
    message =
        "inferenceAuth needs the builtin runtime: vLLM's --api-key would also lock the adapter"
            + " admin API the operator loads adapters through",
    fieldPath = ".inferenceAuth")
public record ServingSpec(
    @JsonPropertyDescription("Number of serving pods; 0 stops serving and keeps the model.")
        @Default("1")
        Integer replicas,
    @JsonPropertyDescription(
            "Server in the pods: builtin (Lorafleet's multi-LoRA server) or vllm (an image that"
                + " speaks the vLLM adapter admin API).")
        @Default("builtin")
        ServingRuntime runtime,
    @JsonPropertyDescription(
            "Container image; defaults to the operator's configured image for the runtime.")
        @Size(max = 512)
        String image,
    @JsonPropertyDescription("Container resources, e.g. nvidia.com/gpu requests and limits.")
        ComputeResources resources,
    @JsonPropertyDescription("Node labels the serving pods must match.")
        Map<String, String> nodeSelector,
    @JsonPropertyDescription("Tolerations for tainted (for example GPU) nodes.") @Size(max = 32)
        List<Toleration> tolerations,
    @JsonPropertyDescription("Adapter capacity per pod.") @Default(AdapterSlots.DEFAULT)
        AdapterSlots adapterSlots,
    @JsonPropertyDescription(
            "How pods are replaced when the pool changes: maxSurge and maxUnavailable of the"
                + " Deployment's rolling update, and its progress deadline. Pools that use every GPU"
                + " they have set maxSurge: 0, maxUnavailable: 1 (the default surge needs a spare"
                + " GPU).")
        ServingRollout rollout,
    @JsonPropertyDescription(
            "The pool router (builtin runtime only): the pool's Service points at it and it"
                + " routes each request to a pod that holds or will load the adapter. Absent: 2"
                + " replicas with default resources.")
        RouterSpec router,
    @JsonPropertyDescription(
            "Bearer-token auth of the pool's inference API (builtin runtime): every request"
                + " through the pool's Service must carry the token of this Secret. Absent: the"
                + " inference API is open to whoever reaches the Service (restrict it with a"
                + " NetworkPolicy). The adapter admin API has its own token either way.")
        InferenceAuth inferenceAuth) {

  /** Without inference auth. */
  public ServingSpec(
      Integer replicas,
      ServingRuntime runtime,
      String image,
      ComputeResources resources,
      Map<String, String> nodeSelector,
      List<Toleration> tolerations,
      AdapterSlots adapterSlots,
      ServingRollout rollout,
      RouterSpec router) {
    this(
        replicas,
        runtime,
        image,
        resources,
        nodeSelector,
        tolerations,
        adapterSlots,
        rollout,
        router,
        null);
  }

  /** With the default router. */
  public ServingSpec(
      Integer replicas,
      ServingRuntime runtime,
      String image,
      ComputeResources resources,
      Map<String, String> nodeSelector,
      List<Toleration> tolerations,
      AdapterSlots adapterSlots,
      ServingRollout rollout) {
    this(
        replicas,
        runtime,
        image,
        resources,
        nodeSelector,
        tolerations,
        adapterSlots,
        rollout,
        null,
        null);
  }

  /** Without a rollout strategy (the Kubernetes default). */
  public ServingSpec(
      Integer replicas,
      ServingRuntime runtime,
      String image,
      ComputeResources resources,
      Map<String, String> nodeSelector,
      List<Toleration> tolerations,
      AdapterSlots adapterSlots) {
    this(
        replicas,
        runtime,
        image,
        resources,
        nodeSelector,
        tolerations,
        adapterSlots,
        null,
        null,
        null);
  }

  /**
   * The whole object as its default, every field at its own default: a real API server checks a
   * default against the object's CEL rules without filling in nested defaults first, so a default
   * of {} fails rules that read those fields, and the CRD is refused (CrdAdmissionRealServerTest).
   */
  public static final String DEFAULT =
      "{\"replicas\":1,\"runtime\":\"builtin\",\"adapterSlots\":" + AdapterSlots.DEFAULT + "}";
}
