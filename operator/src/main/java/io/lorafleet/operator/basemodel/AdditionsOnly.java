package io.lorafleet.operator.basemodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.Map;

/**
 * Whether a stored object still is what the operator built: it was written from the spec desired
 * now ({@link AppliedSpec}: a field the operator stops setting shows in no diff below), its spec
 * differs only by fields the API server added (defaults), and it carries the desired labels. Unlike
 * JOSDK's generic matcher, the diff is not folded into "copy" operations: a defaulted field whose
 * value happens to equal another desired value (the deprecated {@code serviceAccount} copied from
 * {@code serviceAccountName}, {@code revisionHistoryLimit: 10} equal to a probe period of 10) is an
 * addition, not a change; otherwise every reconcile replaced the router Deployment (seen in the
 * RBAC audit: hundreds of updates).
 */
final class AdditionsOnly {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AdditionsOnly() {}

  static boolean upToDate(HasMetadata desired, HasMetadata actual) {
    if (!AppliedSpec.same(desired, actual)) {
      return false;
    }
    Map<String, String> labels = desired.getMetadata().getLabels();
    Map<String, String> actualLabels = actual.getMetadata().getLabels();
    if (labels != null
        && (actualLabels == null || !actualLabels.entrySet().containsAll(labels.entrySet()))) {
      return false;
    }
    JsonNode diff =
        JsonDiff.asJson(
            JSON.valueToTree(desired).path("spec"),
            JSON.valueToTree(actual).path("spec"),
            DiffFlags.dontNormalizeOpIntoMoveAndCopy());
    for (JsonNode op : diff) {
      if (!"add".equals(op.path("op").asText())) {
        return false;
      }
    }
    return true;
  }
}
