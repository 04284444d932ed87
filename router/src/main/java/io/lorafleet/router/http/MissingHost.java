package io.lorafleet.router.http;

import io.lorafleet.router.proxy.OpenAiError;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * HTTP/1.1 requires {@code Host}; Vert.x refuses a request without it by failing the routing
 * context with 400, which reached Quarkus' error handler: logged at ERROR with the stack trace (any
 * client could fill the log) and answered with the exception text. This failure handler, first in
 * order, answers it as the client error it is, in the OpenAI error shape, and logs nothing.
 */
@ApplicationScoped
public class MissingHost {
  static final String BODY =
      OpenAiError.body(
              "invalid_request_error",
              "missing_host",
              null,
              "an HTTP/1.1 request needs a Host header")
          .toString();

  void register(@Observes Router router) {
    router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
  }

  private void handle(RoutingContext rc) {
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
