package io.lorafleet.server.http;

import io.lorafleet.server.config.ServerConfig;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads every request body on the event loop, whole, before a worker thread is involved, with one
 * deadline for the whole body ({@code --body-read-timeout}) and the HTTP body-size limit. Quarkus
 * REST otherwise reads the body on the worker thread with a per-read timeout, so a client sending
 * one byte every few seconds holds a worker for as long as it likes, and a few hundred of them take
 * every worker (and with them health, metrics and the admin API). A body that is not complete at
 * the deadline is answered 408 and its connection closed; REST then uses the buffered body.
 */
@ApplicationScoped
public class BodyReadDeadline {
  /** Before the REST routes and Quarkus' own handlers; after nothing that reads the body. */
  private static final int PRIORITY = 1000;

  private final long timeoutMs;
  private final long maxBytes;

  BodyReadDeadline(
      ServerConfig config,
      @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
          MemorySize maxBody) {
    this.timeoutMs = Math.max(1, config.bodyReadTimeout().toMillis());
    this.maxBytes = maxBody.asLongValue();
  }

  void register(@Observes Filters filters) {
    filters.register(this::handle, PRIORITY);
  }

  private void handle(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    if (!hasBody(req) || req.isEnded() || rc.getBody() != null) {
      rc.next();
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] over = new boolean[1];
    long timer =
        rc.vertx()
            .setTimer(
                timeoutMs,
                id -> {
                  over[0] = true;
                  refuse(
                      rc,
                      408,
                      "request_timeout",
                      "the request body did not arrive within " + timeoutMs + " ms");
                });
    req.handler(
        chunk -> {
          if (over[0]) {
            return;
          }
          if (body.length() + (long) chunk.length() > maxBytes) {
            over[0] = true;
            rc.vertx().cancelTimer(timer);
            refuse(rc, 413, "request_too_large", "the request body exceeds " + maxBytes + " bytes");
            return;
          }
          body.appendBuffer(chunk);
        });
    req.exceptionHandler(
        e -> {
          over[0] = true;
          rc.vertx().cancelTimer(timer);
        });
    req.endHandler(
        v -> {
          if (over[0]) {
            return;
          }
          rc.vertx().cancelTimer(timer);
          rc.setBody(body);
          rc.next();
        });
    req.resume();
  }

  private static boolean hasBody(HttpServerRequest req) {
    HttpMethod m = req.method();
    if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
      return false;
    }
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    return !"0".equals(length) || req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  private static void refuse(RoutingContext rc, int status, String code, String message) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    String json =
        "{\"error\":{\"message\":\""
            + message
            + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\""
            + code
            + "\"}}";
    rc.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(json)
        .onComplete(done -> rc.request().connection().close());
  }
}
