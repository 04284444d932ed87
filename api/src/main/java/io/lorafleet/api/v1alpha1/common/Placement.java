package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** On how many serving pods of the base model an adapter is kept warm, and which ones. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "type(self.replicas) == int ? self.replicas >= 0 : self.replicas == 'all'",
    message = "replicas must be a number >= 0 or the string \"all\"",
    fieldPath = ".replicas")
public record Placement(
    @JsonPropertyDescription(
            "Number of serving pods that keep the adapter loaded and pinned (warm), or \"all\""
                + " for every pod of the base model's pool, including pods added later. 0"
                + " keeps no warm copy. On builtin pools every pod has the adapter registered"
                + " whatever this says, and loads it on its first request.")
        @Default("all")
        IntOrString replicas,
    @JsonPropertyDescription(
            "How pods are chosen when replicas is a number: fewest-adapters (default) or"
                + " most-free-slots.")
        @Default("fewest-adapters")
        PlacementStrategy strategy) {
  /**
   * The whole object as its default, every field at its own default: a real API server checks a
   * default against the object's CEL rules without filling in nested defaults first, so a default
   * of {} fails rules that read those fields, and the CRD is refused (CrdAdmissionRealServerTest).
   */
  public static final String DEFAULT = "{\"replicas\":\"all\",\"strategy\":\"fewest-adapters\"}";

  public static final String ALL = "all";

  /** True when every pod of the pool should hold the adapter. */
  public boolean onAllPods() {
    return replicas == null || ALL.equals(replicas.getStrVal());
  }
}
