package io.lorafleet.server.http;

import io.lorafleet.server.scheduling.Sequence;
import io.vertx.core.http.HttpServerRequest;

/**
 * Ties a request's sequence to its connection: when the client closes the connection before the
 * answer is complete, the sequence is cancelled wherever it is (waiting or running), so the engine
 * does no work for nobody and the worker thread is released.
 *
 * <p>Both hooks are needed: Vert.x reports a closed HTTP/1.1 connection to the request's exception
 * handler (seen for every request whose answer had not started) and to the response's close handler
 * (seen for a response being written); the body has been read already (BodyReadFilter), so an
 * exception on the request can only mean the connection broke.
 */
public final class HangUp {
  private HangUp() {}

  public static void cancelOnClose(HttpServerRequest request, Sequence seq) {
    if (request == null) {
      return;
    }
    request.exceptionHandler(e -> seq.cancel());
    request.response().closeHandler(v -> seq.cancel());
    if (request.response().closed()) {
      seq.cancel(); // closed before the handlers were set
    }
  }
}
