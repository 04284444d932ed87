package io.lorafleet.router.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.router.rollout.RolloutSplit;
import io.lorafleet.router.rollout.RolloutSplits;
import io.lorafleet.serving.router.RolloutTraffic;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /v1/router/rollouts}: this router's counts of every rollout window in force, the body
 * the operator's online analysis merges over all router pods ({@link RolloutTraffic.Rollouts}).
 * Open, as {@code /metrics} is, which exports the same counts: the operator reads it, and it never
 * holds a pool's inference token (a user's Secret it does not read).
 */
@ApplicationScoped
public class RolloutRoutes {
  private final RolloutSplits splits;
  private final ObjectMapper json;

  RolloutRoutes(RolloutSplits splits, ObjectMapper json) {
    this.splits = splits;
    this.json = json;
  }

  void routes(@Observes Router router) {
    router.get("/v1/router/rollouts").handler(this::rollouts);
  }

  private void rollouts(RoutingContext ctx) {
    List<RolloutTraffic> windows =
        splits.all().stream()
            .sorted(Comparator.comparing(RolloutSplit::servedName))
            .map(s -> s.window().snapshot())
            .toList();
    try {
      ctx.response()
          .putHeader("Content-Type", "application/json")
          .end(json.writeValueAsString(new RolloutTraffic.Rollouts(windows)));
    } catch (Exception e) {
      ctx.fail(e);
    }
  }
}
