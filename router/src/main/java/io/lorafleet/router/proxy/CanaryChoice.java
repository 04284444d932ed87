package io.lorafleet.router.proxy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.router.rollout.RolloutSplit;
import io.lorafleet.router.rollout.SplitDecision;
import io.lorafleet.serving.pod.CanaryName;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends a request of a split served name to the canary or not: the caller's sticky key (the body's
 * {@code user}, or the split's header) decides when present, chance otherwise. The canary's share
 * gets the client's body with its {@code model} value replaced by {@code <served>@canary}; the
 * other requests are sent as they came.
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
    return withModel(ctx.body().buffer().getBytes(), CanaryName.of(split.servedName()), json);
  }

  /**
   * {@code body} with its top-level {@code model} value replaced by {@code model}, every other byte
   * as the client sent it: a re-encode would change how numbers are written ({@code 0.70} to {@code
   * 0.7}, {@code 1E2} to {@code 100.0}) and cost a copy of the tree. When the key occurs twice the
   * last one is replaced, the one Jackson's tree (the router's and the server's) keeps. Null when
   * the body has no top-level string {@code model} (the caller checked it has).
   */
  static Buffer withModel(byte[] body, String model, ObjectMapper json) {
    long start = -1;
    long end = -1;
    try (JsonParser p = json.createParser(body)) {
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t.isStructStart()) {
          depth++;
        } else if (t.isStructEnd()) {
          depth--;
        } else if (depth == 1 && t == JsonToken.FIELD_NAME && p.currentName().equals("model")) {
          if (p.nextToken() == JsonToken.VALUE_STRING) {
            start = p.currentTokenLocation().getByteOffset();
            p.finishToken(); // the string's end is known once it is read
            end = p.currentLocation().getByteOffset();
          } else {
            p.skipChildren();
          }
        }
      }
      if (start < 0) {
        return null;
      }
      byte[] value = json.writeValueAsBytes(model); // quoted and escaped
      return Buffer.buffer(body.length - (int) (end - start) + value.length)
          .appendBytes(body, 0, (int) start)
          .appendBytes(value)
          .appendBytes(body, (int) end, body.length - (int) end);
    } catch (IOException e) {
      return null; // it was read as JSON before: cannot happen; stable serves it then
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
