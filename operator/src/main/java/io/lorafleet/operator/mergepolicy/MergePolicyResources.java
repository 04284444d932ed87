package io.lorafleet.operator.mergepolicy;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.reconcile.KubernetesNames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Names, labels, merge keys and storage locations of a MergePolicy's merges. */
public final class MergePolicyResources {
  public static final String MERGE_POLICY = "lorafleet.io/merge-policy";
  public static final String MERGE_KEY = "lorafleet.io/merge-key";
  public static final String MERGER = "merger";
  public static final String CONFIG_KEY = "merge.json";

  /** Selector of the informers of merge Jobs and their ConfigMaps. */
  public static final String SELECTOR =
      BaseModelResources.COMPONENT + "=" + MERGER + "," + BaseModelResources.MANAGED_SELECTOR;

  private MergePolicyResources() {}

  /**
   * Identifies one merge: the spec and the exact source versions. A new source version or spec
   * gives a new key, hence a new Job and a new output version.
   */
  public static String key(MergePolicy policy, List<String> sourceDigests) {
    // Pod settings (resources, node selector, tolerations) do not change the result: a change of
    // them alone does not merge again.
    String material =
        Serialization.asJson(policy.getSpec().withoutPodSettings())
            + "\n"
            + String.join("\n", sourceDigests);
    return Sha256.hex(material.getBytes(StandardCharsets.UTF_8)).substring(0, 12);
  }

  /** The Job and ConfigMap of one merge. */
  public static String mergeName(MergePolicy policy, String key) {
    return KubernetesNames.label("merge-" + key + "-", policy.getMetadata().getName());
  }

  public static Map<String, String> labels(MergePolicy policy, String key) {
    return Map.of(
        BaseModelResources.COMPONENT,
        MERGER,
        MERGE_POLICY,
        policy.getMetadata().getName(),
        MERGE_KEY,
        key,
        BaseModelResources.MANAGED_BY,
        BaseModelResources.OPERATOR);
  }

  public static S3Uri versions(MergePolicy policy) {
    return S3Uri.parse(policy.getSpec().output().artifactPrefix())
        .child(policy.getMetadata().getNamespace())
        .child("adapters")
        .child(policy.getSpec().output().adapterName());
  }

  public static S3Uri runDirectory(MergePolicy policy, String key) {
    return S3Uri.parse(policy.getSpec().output().artifactPrefix())
        .child(policy.getMetadata().getNamespace())
        .child("mergepolicies")
        .child(policy.getMetadata().getName())
        .child(key);
  }
}
