package io.lorafleet.router.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.router.rollout.RolloutSplit;
import io.lorafleet.router.rollout.SplitDecision;
import io.lorafleet.serving.pod.CanaryName;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends a request of a split served name to the canary or not: the caller's sticky key (the body's
 * {@code user}, or the split's header) decides when present, chance otherwise. The canary's share
 * gets a body whose {@code model} names {@code <served>@canary}; only those bodies are re-encoded.
 */
final class CanaryChoice {
  private CanaryChoice() {}

  /** The body to send to the canary, or null when this request stays on stable. */
  static Buffer canaryBody(
      RoutingContext ctx, ObjectNode body, RolloutSplit split, ObjectMapper json) {
    String key = stickyKey(ctx, body, split);
    if (!SplitDecision.toCanary(
        split.weight(), split.canaryDigest(), key, ThreadLocalRandom.current())) {
      return null;
    }
    ObjectNode copy = body.deepCopy();
    copy.put("model", CanaryName.of(split.servedName()));
    try {
      return Buffer.buffer(json.writeValueAsBytes(copy));
    } catch (Exception e) {
      return null; // the tree came from JSON: cannot happen; stable serves it then
    }
  }

  private static String stickyKey(RoutingContext ctx, ObjectNode body, RolloutSplit split) {
    if (split.stickyHeader() != null) {
      String v = ctx.request().getHeader(split.stickyHeader());
      return v == null || v.isEmpty() ? null : v;
    }
    JsonNode user = body.get("user");
    return user != null && user.isTextual() && !user.asText().isEmpty() ? user.asText() : null;
  }
}
