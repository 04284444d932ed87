package io.lorafleet.router.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.router.pool.Pod;
import io.lorafleet.router.pool.PodStatus;
import io.lorafleet.router.pool.Pool;
import io.lorafleet.router.rollout.RolloutSplit;
import io.lorafleet.router.rollout.RolloutSplits;
import io.lorafleet.serving.pod.CanaryName;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The router's OpenAI-compatible surface: {@code POST /v1/completions} and {@code
 * /v1/chat/completions} (passed to a pod chosen per request), {@code GET /v1/models} (the pool's
 * base model and every adapter some pod serves or can load), and {@code GET /v1/router/pods} (what
 * the router knows of each pod). All need the pool's inference token when one is set. Only {@code
 * model} and {@code stream} are read here; the pod validates the rest and its refusals pass through
 * unchanged.
 */
@ApplicationScoped
public class InferenceRoutes {
  private final Pool pool;
  private final Dispatcher dispatcher;
  private final PoolToken token;
  private final ObjectMapper json;
  private final RolloutSplits splits;

  InferenceRoutes(
      Pool pool, Dispatcher dispatcher, PoolToken token, ObjectMapper json, RolloutSplits splits) {
    this.pool = pool;
    this.splits = splits;
    this.dispatcher = dispatcher;
    this.token = token;
    this.json = json;
  }

  void routes(@Observes Router router) {
    // the body was read whole, under a deadline and the size limit, by BodyReadRoute
    for (String path : new String[] {"/v1/completions", "/v1/chat/completions"}) {
      router.post(path).handler(ctx -> inference(ctx, path));
    }
    router.get("/v1/models").handler(this::models);
    router.get("/v1/router/pods").handler(this::pods);
  }

  private void inference(RoutingContext ctx, String path) {
    if (!token.admits(ctx)) {
      return;
    }
    JsonNode body;
    try {
      body =
          json.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
    } catch (Exception e) {
      OpenAiError.send(
          ctx, 400, "invalid_request_error", "invalid_parameter", null, "the body is not JSON", 0);
      return;
    }
    if (body == null || !body.isObject()) {
      OpenAiError.send(
          ctx,
          400,
          "invalid_request_error",
          "invalid_parameter",
          null,
          "a JSON object body is required",
          0);
      return;
    }
    JsonNode model = body.path("model");
    if (!model.isTextual() || model.asText().isBlank()) {
      OpenAiError.send(
          ctx, 400, "invalid_request_error", "invalid_parameter", "model", "model is required", 0);
      return;
    }
    String name = model.asText();
    if (CanaryName.isCanary(name)) {
      // a version under rollout is reached only through the split, never by its pod-level name
      modelNotFound(ctx, name);
      return;
    }
    boolean anyPod = false;
    boolean base = false;
    boolean known = false;
    for (Pod p : pool.usable()) {
      anyPod = true;
      PodStatus s = p.status();
      base |= name.equals(s.baseModel());
      known |= s.tierOf(name) != null;
    }
    if (!anyPod) {
      OpenAiError.send(
          ctx,
          503,
          "server_error",
          "no_pod_available",
          null,
          "no serving pod of the pool is ready",
          1);
      return;
    }
    if (!base && !known) {
      modelNotFound(ctx, name);
      return;
    }
    RolloutSplit split = base ? null : splits.of(name); // no rollout: one lookup in an empty map
    Buffer canaryBody =
        split == null ? null : CanaryChoice.canaryBody(ctx, (ObjectNode) body, split, json);
    ProxiedRequest r =
        new ProxiedRequest(
            ctx,
            Vertx.currentContext(),
            path,
            name,
            base ? null : name,
            body.path("stream").asBoolean(false),
            ctx.body().buffer(),
            split,
            canaryBody == null ? null : CanaryName.of(name),
            canaryBody);
    ctx.response()
        .closeHandler(
            v -> {
              if (ctx.response().ended()) {
                // answered in full: nothing to cancel. An HTTP/2 stream closes after every answer,
                // and resetting the (finished) upstream request would close the pod connection.
                return;
              }
              r.cancelled = true;
              dispatcher.cancel(r);
              var upstream = r.upstream;
              if (upstream != null) {
                upstream.reset(); // closes the pod connection: the pod cancels the generation
              }
            });
    dispatcher.submit(r);
  }

  private static void modelNotFound(RoutingContext ctx, String name) {
    OpenAiError.send(
        ctx,
        404,
        "invalid_request_error",
        "model_not_found",
        "model",
        "The model '" + name + "' does not exist or is not loaded",
        0);
  }

  private void models(RoutingContext ctx) {
    if (!token.admits(ctx)) {
      return;
    }
    TreeSet<String> bases = new TreeSet<>();
    TreeMap<String, String> adapters = new TreeMap<>();
    for (Pod p : pool.pods()) {
      if (p.routable() && p.status().baseModel() != null) {
        bases.add(p.status().baseModel());
        for (String a : p.status().tiers().keySet()) {
          if (CanaryName.isCanary(a)) {
            continue; // reached through the split only
          }
          adapters.putIfAbsent(a, p.status().baseModel());
        }
      }
    }
    ArrayNode data = json.createArrayNode();
    long created = System.currentTimeMillis() / 1000;
    for (String b : bases) {
      data.addObject()
          .put("id", b)
          .put("object", "model")
          .put("created", created)
          .put("owned_by", "lorafleet");
    }
    adapters.forEach(
        (a, parent) ->
            data.addObject()
                .put("id", a)
                .put("object", "model")
                .put("created", created)
                .put("owned_by", "lorafleet")
                .put("parent", parent));
    ObjectNode out = json.createObjectNode().put("object", "list");
    out.set("data", data);
    ctx.response().putHeader("Content-Type", "application/json").end(out.toString());
  }

  private void pods(RoutingContext ctx) {
    if (!token.admits(ctx)) {
      return;
    }
    ArrayNode data = json.createArrayNode();
    for (Pod p : pool.pods()) {
      ObjectNode n =
          data.addObject()
              .put("id", p.id())
              .put("url", p.endpoint().base().toString())
              .put("routable", p.routable())
              .put("suspect", p.suspect())
              .put("outstanding", p.outstanding())
              .put("load", p.load());
      if (p.downReason() != null) {
        n.put("down_reason", p.downReason());
      }
      PodStatus s = p.status();
      if (s != null) {
        n.put("state_version", s.version()).put("max_running", s.maxRunning());
        ObjectNode tiers = n.putObject("adapters");
        new TreeMap<>(s.tiers()).forEach((a, t) -> tiers.put(a, t.name().toLowerCase()));
      }
    }
    ObjectNode out = json.createObjectNode();
    out.set("data", data);
    out.put("queued", dispatcher.queued());
    ctx.response().putHeader("Content-Type", "application/json").end(out.toString());
  }
}
