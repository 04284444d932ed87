package io.lorafleet.router.pool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The router's live view of one pod: its last reported state, whether it answers, and the requests
 * this router has in flight on it.
 */
public final class Pod {
  private final PodEndpoint endpoint;
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile PodStatus status;
  private volatile boolean up;
  private volatile boolean suspect;
  private volatile String downReason = "no state yet";

  Pod(PodEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  public PodEndpoint endpoint() {
    return endpoint;
  }

  public String id() {
    return endpoint.id();
  }

  /** The last state the pod reported, or null before its first answer. */
  public PodStatus status() {
    return status;
  }

  /** Answers its state polls and reports itself ready. */
  public boolean routable() {
    PodStatus s = status;
    return up && s != null && s.ready();
  }

  public boolean up() {
    return up;
  }

  /**
   * Out only because its state poll went unanswered (not refused): maybe hung, maybe just starved
   * of CPU. Such a pod is used when no pod is routable, rather than failing every request.
   */
  public boolean suspect() {
    PodStatus s = status;
    return !up && suspect && s != null && s.ready();
  }

  public String downReason() {
    return up ? null : downReason;
  }

  /**
   * Requests on the pod: this router's in-flight count, or what the pod reports running and waiting
   * when that is more (other routers' requests).
   */
  public int load() {
    PodStatus s = status;
    int mine = outstanding.get();
    return s == null ? mine : Math.max(mine, s.running() + s.waiting());
  }

  public int outstanding() {
    return outstanding.get();
  }

  public void acquire() {
    outstanding.incrementAndGet();
  }

  public void release() {
    outstanding.decrementAndGet();
  }

  void update(PodStatus s) {
    this.status = s;
    this.up = true;
    this.suspect = false;
  }

  /** Out of the pool until its next state answer (refused, broken, unreadable). */
  public void markDown(String reason) {
    this.downReason = reason;
    this.suspect = false;
    this.up = false;
  }

  /** Out of the pool until its next state answer, but a last resort: it did not answer in time. */
  void markSilent(String reason) {
    this.downReason = reason;
    this.suspect = true;
    this.up = false;
  }
}
