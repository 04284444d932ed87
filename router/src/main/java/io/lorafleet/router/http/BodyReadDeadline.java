package io.lorafleet.router.http;

import io.lorafleet.router.config.RouterConfig;
import io.lorafleet.router.proxy.OpenAiError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Reads every request body whole, on the event loop, with one deadline for the whole body ({@code
 * lorafleet.router.body-read-timeout}) and the size limit ({@code lorafleet.router.max-body-size}).
 * Without it a client sending one byte every few seconds held its connection and buffer for as long
 * as it liked. A body not complete at the deadline gets 408, one over the limit 413 (at once when
 * its Content-Length announces it), both in the OpenAI error shape, and the connection is closed.
 * Runs before Quarkus' own upload limit, which answers 413 with an empty body.
 */
@ApplicationScoped
public class BodyReadDeadline {
  private final long timeoutMs;
  private final long maxBytes;

  BodyReadDeadline(RouterConfig config) {
    this.timeoutMs = Math.max(1, config.bodyReadTimeout().toMillis());
    this.maxBytes = config.maxBodySize().asLongValue();
  }

  void register(@Observes Router router) {
    router.route().order(Integer.MIN_VALUE + 1).handler(this::handle);
  }

  private void handle(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    if (!hasBody(req) || req.isEnded() || rc.body().buffer() != null) {
      rc.next();
      return;
    }
    if (announced(req) > maxBytes) {
      tooLarge(rc);
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
            tooLarge(rc);
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
    return (length != null && !"0".equals(length))
        || req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  /** The announced Content-Length, or -1 (none, or not a number: Vert.x refuses the latter). */
  private static long announced(HttpServerRequest req) {
    try {
      return Long.parseLong(req.getHeader(HttpHeaders.CONTENT_LENGTH).trim());
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private void tooLarge(RoutingContext rc) {
    refuse(rc, 413, "request_too_large", "the request body exceeds " + maxBytes + " bytes");
  }

  private static void refuse(RoutingContext rc, int status, String code, String message) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    rc.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(OpenAiError.body("invalid_request_error", code, null, message).toString())
        .onComplete(done -> rc.request().connection().close());
  }
}
