package io.lorafleet.router.pool;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.router.http.LogText;
import io.lorafleet.serving.pod.PodState;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Follows one pod's state with long polls of {@code GET /v1/pod/state?since=V&wait=W}: the pod
 * answers as soon as its state changes, or after W with the same state (the heartbeat). A poll that
 * fails, or gets no answer within W plus a grace, takes the pod out of the pool at once; the next
 * answer puts it back. With the defaults a pod that stops answering is out within 0.9 s, one that
 * refuses connections (killed) at once. A pod's state changes with every request that starts or
 * ends on it, so under load every poll would be answered at once and the router would poll each pod
 * once per change; the next poll waits until {@code minInterval} has passed since the last one
 * began (one poll per pod per {@code minInterval} at most, with every change since in its answer).
 */
final class PodStatePoller {
  private static final Logger LOG = Logger.getLogger(PodStatePoller.class);
  private static final long RETRY_MS = 200;

  private final Pod pod;
  private final Vertx vertx;
  private final HttpClient http;
  private final ObjectMapper json;
  private final Supplier<String> authorization;
  private final Duration wait;
  private final Duration grace;
  private final long minIntervalNanos;
  private final Runnable onChange;
  private volatile boolean stopped;
  private long version = -1;

  /** When the poll in flight was sent. */
  private long started;

  PodStatePoller(
      Pod pod,
      Vertx vertx,
      HttpClient http,
      ObjectMapper json,
      Supplier<String> authorization,
      Duration wait,
      Duration grace,
      Duration minInterval,
      Runnable onChange) {
    this.pod = pod;
    this.vertx = vertx;
    this.http = http;
    this.json = json;
    this.authorization = authorization;
    this.wait = wait;
    this.grace = grace;
    this.minIntervalNanos = minInterval.toNanos();
    this.onChange = onChange;
  }

  void start() {
    poll();
  }

  void stop() {
    stopped = true;
  }

  private void poll() {
    if (stopped) {
      return;
    }
    started = System.nanoTime();
    String query = version < 0 ? "" : "?since=" + version + "&wait=" + wait.toMillis() / 1000.0;
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(pod.endpoint().base() + "/v1/pod/state" + query)
            .setIdleTimeout(wait.toMillis() + grace.toMillis());
    String auth = authorization.get();
    if (auth != null) {
      options.putHeader("Authorization", auth);
    }
    http.request(options)
        .compose(req -> req.send())
        .compose(
            resp ->
                resp.body()
                    .map(
                        body -> {
                          if (resp.statusCode() != 200) {
                            throw new IllegalStateException(
                                "pod state answered " + resp.statusCode());
                          }
                          return body;
                        }))
        .onComplete(
            ar -> {
              if (stopped) {
                return;
              }
              if (ar.succeeded()) {
                try {
                  PodStatus s =
                      PodStatus.of(json.readValue(ar.result().getBytes(), PodState.class));
                  boolean changed = !pod.up() || s.version() != version;
                  version = s.version();
                  pod.update(s);
                  if (changed) {
                    onChange.run();
                  }
                  pollAgain();
                  return;
                } catch (Exception e) {
                  fail("unreadable state: " + e.getMessage());
                  return;
                }
              }
              fail(String.valueOf(ar.cause().getMessage()), ar.cause() instanceof TimeoutException);
            });
  }

  /** At once when the last poll began {@code minInterval} ago or more, else when it has. */
  private void pollAgain() {
    long leftMs = (minIntervalNanos - (System.nanoTime() - started)) / 1_000_000;
    if (leftMs < 1) {
      poll();
    } else {
      vertx.setTimer(leftMs, t -> poll());
    }
  }

  private void fail(String reason) {
    fail(reason, false);
  }

  private void fail(String reason, boolean silent) {
    if (pod.up()) {
      LOG.warnf("pod %s is out of the pool: %s", LogText.of(pod.id()), LogText.of(reason));
    }
    if (silent) {
      pod.markSilent(reason);
    } else {
      pod.markDown(reason);
    }
    version = -1;
    onChange.run();
    vertx.setTimer(RETRY_MS, t -> poll());
  }
}
