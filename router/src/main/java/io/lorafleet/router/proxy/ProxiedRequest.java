package io.lorafleet.router.proxy;

import io.lorafleet.router.pool.Pod;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;

/**
 * One client request on its way through the router: what it asks for, the pods it was tried on, and
 * the upstream call in flight (reset when the client goes away).
 */
final class ProxiedRequest {
  final RoutingContext ctx;
  final Context context;
  final String path;
  final String model;

  /** The adapter name, or null for the base model. */
  final String adapter;

  final boolean stream;
  final Buffer body;
  final long arrivalNanos = System.nanoTime();

  /** The event loop thread the client's request is served on (where it is created). */
  final Thread loop = Thread.currentThread();

  final Set<String> tried = new HashSet<>();
  int attempts;
  volatile boolean cancelled;
  volatile HttpClientRequest upstream;

  /** The last retryable refusal from a pod, answered if no pod is left to try. */
  int lastStatus;

  Buffer lastBody;
  String route = "none";
  Pod pod;

  ProxiedRequest(
      RoutingContext ctx,
      Context context,
      String path,
      String model,
      String adapter,
      boolean stream,
      Buffer body) {
    this.ctx = ctx;
    this.context = context;
    this.path = path;
    this.model = model;
    this.adapter = adapter;
    this.stream = stream;
    this.body = body;
  }
}
