package io.lorafleet.router.proxy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP clients to the pods, one per event loop. Vert.x creates a connection on the event loop
 * of the request that opens it, but its pool then hands an idle connection to any caller: a client
 * request served on one loop and its pod connection living on another makes every chunk of the
 * answer a task queued over to the other thread (a wake-up and, on a busy machine, a scheduling
 * turn each; the client sees the tokens late and in bursts). With one client per loop a request
 * only ever borrows connections of its own loop, so the exchange, client to pod and back, stays on
 * one thread.
 */
final class UpstreamClients {
  private final Vertx vertx;
  private final HttpClientOptions options;
  private final Map<Thread, HttpClient> byLoop = new ConcurrentHashMap<>();
  private volatile HttpClient offLoop;

  UpstreamClients(Vertx vertx, HttpClientOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /** The client for the calling event loop (a shared one when called off the event loops). */
  HttpClient current() {
    if (Context.isOnEventLoopThread()) {
      // an event loop's thread is the loop: the key stays valid for the router's life
      return byLoop.computeIfAbsent(Thread.currentThread(), t -> vertx.createHttpClient(options));
    }
    HttpClient c = offLoop;
    if (c == null) {
      synchronized (this) {
        if (offLoop == null) {
          offLoop = vertx.createHttpClient(options);
        }
        c = offLoop;
      }
    }
    return c;
  }
}
