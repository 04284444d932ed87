package io.lorafleet.serving.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * HTTP/1.1 requires {@code Host}; Vert.x refuses a request without it by failing the routing
 * context with 400, which would reach Quarkus' error handler: logged at ERROR with the stack trace
 * (any client could fill the log) and answered with Quarkus' own body. Installed as the first
 * failure handler (the server and the router both do), this answers it as the client error it is,
 * in the OpenAI error shape, and logs nothing; every other failure goes on to the next handler.
 */
public final class MissingHostAnswer implements Handler<RoutingContext> {
  static final String BODY =
      "{\"error\":{\"message\":\"an HTTP/1.1 request needs a Host header\","
          + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"missing_host\"}}";

  @Override
  public void handle(RoutingContext rc) {
    if (rc.statusCode() != 400
        || rc.request().version() != HttpVersion.HTTP_1_1
        || rc.request().getHeader(HttpHeaders.HOST) != null
        || rc.response().ended()) {
      rc.next();
      return;
    }
    rc.response()
        .setStatusCode(400)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(BODY);
  }
}
