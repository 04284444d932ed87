package io.lorafleet.router.http;

import io.lorafleet.router.config.RouterConfig;
import io.lorafleet.serving.http.BodyReadDeadline;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Puts the shared {@link BodyReadDeadline} in front of every route: the whole body within {@code
 * lorafleet.router.body-read-timeout}, at most {@code lorafleet.router.max-body-size}. It runs
 * before Quarkus' own upload limit, which answers 413 with an empty body.
 */
@ApplicationScoped
public class BodyReadRoute {
  private final BodyReadDeadline deadline;

  BodyReadRoute(RouterConfig config) {
    this.deadline =
        new BodyReadDeadline(
            config.bodyReadTimeout().toMillis(), config.maxBodySize().asLongValue());
  }

  void register(@Observes Router router) {
    router.route().order(Integer.MIN_VALUE + 1).handler(deadline);
  }
}
