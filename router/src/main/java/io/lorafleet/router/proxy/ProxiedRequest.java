package io.lorafleet.router.proxy;

import io.lorafleet.router.pool.Pod;
import io.lorafleet.router.rollout.RolloutSplit;
import io.lorafleet.router.routing.Outcome;
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

  /**
   * The name placed on the pods: the adapter, or its canary name ({@code <adapter>@canary}) while
   * this request goes to the canary; null for the base model.
   */
  String adapter;

  final boolean stream;

  /** What is sent to the pod: the client's body, or a copy naming the canary. */
  Buffer body;

  /** The client's body, sent to stable when the canary fails before its first byte. */
  final Buffer clientBody;

  /** The rollout split this request was decided under; null when its model is not split. */
  final RolloutSplit split;

  /** Whether it is on the canary now (false again once it falls back to stable). */
  boolean canary;

  /** Arrival to the first byte from the pod; negative until then. */
  long ttftNanos = -1;

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

  /** Why its current pod was chosen (set with {@link #pod}). */
  Outcome outcome;

  Pod pod;

  ProxiedRequest(
      RoutingContext ctx,
      Context context,
      String path,
      String model,
      String adapter,
      boolean stream,
      Buffer clientBody,
      RolloutSplit split,
      String canaryName,
      Buffer canaryBody) {
    this.ctx = ctx;
    this.context = context;
    this.path = path;
    this.model = model;
    this.stream = stream;
    this.clientBody = clientBody;
    this.split = split;
    this.canary = canaryName != null;
    this.adapter = canary ? canaryName : adapter;
    this.body = canary ? canaryBody : clientBody;
  }
}
