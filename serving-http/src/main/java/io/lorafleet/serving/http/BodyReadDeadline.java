package io.lorafleet.serving.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request body whole, on the event loop, with one deadline for the whole body and a size
 * limit, before anything else handles the request. Without it a client sending one byte every few
 * seconds holds its connection and buffer (and, on the server, a worker thread) for as long as it
 * likes. A body not complete at the deadline gets 408 {@code request_timeout}, one over the limit
 * 413 {@code request_too_large} (at once when its Content-Length announces it), both in the OpenAI
 * error shape, and the connection is closed. A complete body is set on the context ({@link
 * RoutingContext#body()}) and the next handler runs. The server and the router both put it first.
 */
public final class BodyReadDeadline implements Handler<RoutingContext> {
  private final long timeoutMs;
  private final long maxBytes;

  public BodyReadDeadline(long timeoutMs, long maxBytes) {
    this.timeoutMs = Math.max(1, timeoutMs);
    this.maxBytes = maxBytes;
  }

  @Override
  public void handle(RoutingContext rc) {
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

  /** {@code message} is always this class's own text (no quotes, no client input). */
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
