package io.lorafleet.server.http;

import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.serving.http.BodyReadDeadline;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Puts the shared {@link BodyReadDeadline} (the whole body read on the event loop within {@code
 * --body-read-timeout}, at most the HTTP body-size limit) in front of every route. Quarkus REST
 * otherwise reads the body on a worker thread with a per-read timeout, so a client sending one byte
 * every few seconds holds a worker for as long as it likes, and a few hundred of them take every
 * worker (and with them health, metrics and the admin API); REST then uses the buffered body.
 */
@ApplicationScoped
public class BodyReadFilter {
  /** Before the REST routes and Quarkus' own handlers; after nothing that reads the body. */
  private static final int PRIORITY = 1000;

  private final BodyReadDeadline deadline;

  BodyReadFilter(
      ServerConfig config,
      @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
          MemorySize maxBody) {
    this.deadline =
        new BodyReadDeadline(config.bodyReadTimeout().toMillis(), maxBody.asLongValue());
  }

  void register(@Observes Filters filters) {
    filters.register(deadline, PRIORITY);
  }
}
