package io.lorafleet.operator.mergepolicy;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyReason;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Whether a MergePolicy's sources can be merged: all found, of its base model, and Ready. */
sealed interface SourceCheck {

  /** A source is an adapter of another base model: the spec must change. */
  record Mismatch(String message) implements SourceCheck {}

  /** A source is missing or not Ready yet: its own change brings the next reconcile. */
  record Waiting(MergePolicyReason reason, String message) implements SourceCheck {}

  /** Every source is Ready with a digest, in the order of the spec. */
  record Ready(List<LoraAdapter> adapters) implements SourceCheck {}

  static SourceCheck of(MergePolicy policy, Collection<LoraAdapter> known) {
    Map<String, LoraAdapter> adapters =
        known.stream().collect(Collectors.toMap(a -> a.getMetadata().getName(), a -> a));
    List<LoraAdapter> ready = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> notReady = new ArrayList<>();
    for (MergeSource source : policy.getSpec().sources()) {
      LoraAdapter adapter = adapters.get(source.adapter());
      if (adapter == null) {
        missing.add(source.adapter());
      } else if (!adapter.getSpec().baseModelRef().equals(policy.getSpec().baseModelRef())) {
        return new Mismatch(
            "source "
                + source.adapter()
                + " is an adapter of BaseModel "
                + adapter.getSpec().baseModelRef().name()
                + ", not of "
                + policy.getSpec().baseModelRef().name());
      } else if (adapter.getStatus() == null
          || adapter.getStatus().digest() == null
          || !adapter.isReady()) {
        notReady.add(source.adapter());
      } else {
        ready.add(adapter);
      }
    }
    if (!missing.isEmpty()) {
      return new Waiting(
          MergePolicyReason.SourceNotFound, "sources not found: " + String.join(", ", missing));
    }
    if (!notReady.isEmpty()) {
      return new Waiting(
          MergePolicyReason.WaitingForSources, "sources not ready: " + String.join(", ", notReady));
    }
    return new Ready(ready);
  }
}
