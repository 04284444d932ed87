package io.lorafleet.router.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * A pod's whole answer, read with an upper bound: {@code HttpClientResponse.body()} buffers without
 * one, so a pod answering an endless body would take the router's heap. Past the bound the future
 * fails with {@link TooLarge} and the caller drops the connection.
 */
public final class BoundedBody {
  /** The answer passed the bound. */
  public static final class TooLarge extends RuntimeException {
    TooLarge(long max) {
      super("the pod's answer exceeds " + max + " bytes", null, false, false);
    }
  }

  private BoundedBody() {}

  public static Future<Buffer> read(HttpClientResponse resp, long max) {
    Promise<Buffer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.handler(
        chunk -> {
          if (done.future().isComplete()) {
            return;
          }
          if (body.length() + (long) chunk.length() > max) {
            done.tryFail(new TooLarge(max));
            resp.request().reset(); // stop reading: the pod may never end
            return;
          }
          body.appendBuffer(chunk);
        });
    resp.exceptionHandler(done::tryFail);
    resp.endHandler(v -> done.tryComplete(body));
    return done.future();
  }
}
