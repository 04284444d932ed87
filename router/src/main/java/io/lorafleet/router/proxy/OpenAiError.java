package io.lorafleet.router.proxy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.RoutingContext;

/** Errors in the OpenAI shape: {@code {"error": {"message", "type", "param", "code"}}}. */
public final class OpenAiError {
  private OpenAiError() {}

  public static ObjectNode body(String type, String code, String param, String message) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", message).put("type", type).put("code", code);
    if (param == null) {
      error.putNull("param");
    } else {
      error.put("param", param);
    }
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("error", error);
    return root;
  }

  /** Answers {@code ctx} with the error (and Retry-After when {@code retryAfter} > 0). */
  public static void send(
      RoutingContext ctx,
      int status,
      String type,
      String code,
      String param,
      String message,
      int retryAfter) {
    if (ctx.response().headWritten() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json");
    if (retryAfter > 0) {
      ctx.response().putHeader("Retry-After", Integer.toString(retryAfter));
    }
    if (status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    ctx.response().end(body(type, code, param, message).toString());
  }
}
