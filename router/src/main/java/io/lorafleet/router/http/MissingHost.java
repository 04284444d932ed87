package io.lorafleet.router.http;

import io.lorafleet.serving.http.MissingHostAnswer;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Puts the shared {@link MissingHostAnswer} first among the failure handlers. */
@ApplicationScoped
public class MissingHost {
  void register(@Observes Router router) {
    router.route().order(Integer.MIN_VALUE).failureHandler(new MissingHostAnswer());
  }
}
