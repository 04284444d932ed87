package io.lorafleet.operator.loraadapter.evaluation;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.reconcile.KubernetesNames;
import java.util.Map;

/** Names and labels of a LoraAdapter's evaluation Jobs. */
public final class EvaluationResources {
  /** The {@code component} label of evaluation Jobs and their pods. */
  public static final String EVALUATOR = "evaluator";

  public static final String LORA_ADAPTER = "lorafleet.io/lora-adapter";
  public static final String CANDIDATE = "lorafleet.io/candidate-digest";

  /** The container that runs {@code trainer eval}. */
  public static final String CONTAINER = "eval";

  /** Selects every evaluation Job the operator made. */
  public static final String SELECTOR =
      BaseModelResources.COMPONENT + "=" + EVALUATOR + "," + BaseModelResources.MANAGED_SELECTOR;

  private EvaluationResources() {}

  /**
   * One Job per adapter and candidate digest, so an operator restart finds the Job it made instead
   * of making a second one, and a replaced candidate gets a new one.
   */
  public static String jobName(LoraAdapter adapter, String candidateDigest) {
    return KubernetesNames.label("eval-" + shortDigest(candidateDigest) + "-", name(adapter));
  }

  public static Map<String, String> labels(LoraAdapter adapter, String candidateDigest) {
    return Map.of(
        BaseModelResources.COMPONENT,
        EVALUATOR,
        LORA_ADAPTER,
        // A label value has at most 63 characters; the Job's owner reference names the adapter.
        KubernetesNames.label("", name(adapter)),
        CANDIDATE,
        shortDigest(candidateDigest),
        BaseModelResources.MANAGED_BY,
        BaseModelResources.OPERATOR);
  }

  /** The first 12 hex digits of "sha256:hex" (a label value is at most 63 characters). */
  static String shortDigest(String digest) {
    String hex = digest.startsWith("sha256:") ? digest.substring("sha256:".length()) : digest;
    return hex.substring(0, Math.min(12, hex.length()));
  }

  private static String name(LoraAdapter adapter) {
    return adapter.getMetadata().getName();
  }
}
