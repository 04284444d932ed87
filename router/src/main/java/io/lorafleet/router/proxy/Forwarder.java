package io.lorafleet.router.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.router.config.RouterConfig;
import io.lorafleet.router.http.LogText;
import io.lorafleet.router.metrics.RouterMetrics;
import io.lorafleet.router.pool.Pod;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Sends a request to the pod the dispatcher chose and passes the answer back. A request that fails
 * before anything reached the client (no connection, the pod refused it with 429 or 503, the
 * connection broke before the first byte of a stream or before the end of a whole answer) is tried
 * on another pod. A stream is passed through as it comes, with back-pressure (the upstream is
 * paused while the client's write queue is full); if its pod dies mid-stream the client gets a
 * clean SSE error event and {@code [DONE]}. A client that goes away resets the upstream request,
 * which cancels the generation on the pod.
 */
@ApplicationScoped
public class Forwarder {
  private static final Logger LOG = Logger.getLogger(Forwarder.class);

  private final RouterMetrics metrics;
  private final PoolToken token;
  private final ObjectMapper json;
  private final int maxAttempts;
  private final boolean podHeader;
  private final long maxResponse;
  private final UpstreamClients http;
  @Inject Dispatcher dispatcher;

  Forwarder(
      Vertx vertx, RouterMetrics metrics, PoolToken token, ObjectMapper json, RouterConfig config) {
    this.metrics = metrics;
    this.token = token;
    this.json = json;
    this.maxAttempts = config.maxAttempts();
    this.podHeader = config.podHeader();
    this.maxResponse = config.maxResponseSize().asLongValue();
    this.http =
        new UpstreamClients(
            vertx,
            new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setMaxPoolSize(4096)); // HTTP/1.1: one connection per running stream
  }

  /** Runs on the request's own context. */
  void send(ProxiedRequest r, Pod pod) {
    if (r.cancelled) {
      dispatcher.released(pod);
      return;
    }
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(pod.endpoint().base() + r.path)
            .putHeader("Content-Type", "application/json");
    String auth = token.authorization();
    if (auth != null) {
      options.putHeader("Authorization", auth);
    }
    String deadline = r.ctx.request().getHeader("X-Lorafleet-Deadline-Ms");
    if (deadline != null) {
      options.putHeader("X-Lorafleet-Deadline-Ms", deadline);
    }
    http.current()
        .request(options)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                pod.markDown("connection failed: " + ar.cause().getMessage());
                retry(r, pod, "connect", 503, null);
                return;
              }
              r.upstream = ar.result();
              if (r.cancelled) {
                ar.result().reset();
                finish(r, pod, "cancelled");
                return;
              }
              ar.result()
                  .send(r.body)
                  .onComplete(
                      resp -> {
                        if (resp.failed()) {
                          if (r.cancelled) {
                            finish(r, pod, "cancelled");
                          } else {
                            pod.markDown("request failed: " + resp.cause().getMessage());
                            retry(r, pod, "broken", 503, null);
                          }
                          return;
                        }
                        answer(r, pod, resp.result());
                      });
            });
  }

  /** Nothing (more) can serve the request. */
  void noPodLeft(ProxiedRequest r) {
    r.context.runOnContext(
        x -> {
          if (r.canary) {
            toStable(r, "canary_no_pod", true);
          } else if (r.lastBody != null) {
            passThrough(r, r.lastStatus, r.lastBody, "error");
          } else {
            ended(r, "error", true);
            OpenAiError.send(
                r.ctx,
                503,
                "server_error",
                "no_pod_available",
                null,
                "no serving pod of the pool can take the request now",
                1);
          }
        });
  }

  private void answer(ProxiedRequest r, Pod pod, HttpClientResponse resp) {
    int status = resp.statusCode();
    if (status == 200 && r.stream) {
      stream(r, pod, resp);
      return;
    }
    BoundedBody.read(resp, maxResponse)
        .onComplete(
            body -> {
              if (body.failed()) {
                if (r.cancelled) {
                  finish(r, pod, "cancelled");
                } else if (body.cause() instanceof BoundedBody.TooLarge) {
                  // not retried: the same request would likely get the same answer elsewhere
                  finish(r, pod, "error");
                  OpenAiError.send(
                      r.ctx,
                      502,
                      "server_error",
                      "upstream_too_large",
                      null,
                      "the pod's answer exceeds " + maxResponse + " bytes",
                      0);
                } else {
                  pod.markDown("answer broken: " + body.cause().getMessage());
                  retry(r, pod, "broken", 503, null);
                }
                return;
              }
              if (status == 429 || status == 503) {
                retry(r, pod, "refused_" + status, status, body.result());
                return;
              }
              if (r.canary && VersionFailure.is(status)) {
                dispatcher.released(pod);
                toStable(r, "canary_" + status, true);
                return;
              }
              firstByte(r);
              if (status == 200) {
                metrics.tokens(r.model, completionTokens(body.result()));
              }
              dispatcher.released(pod);
              passThrough(r, status, body.result(), status < 300 ? "ok" : "client_error");
            });
  }

  private void stream(ProxiedRequest r, Pod pod, HttpClientResponse resp) {
    HttpServerResponse out = r.ctx.response();
    SseScanner sse = new SseScanner();
    AtomicBoolean started = new AtomicBoolean();
    AtomicBoolean ended = new AtomicBoolean();
    resp.handler(
        buf -> {
          if (started.compareAndSet(false, true)) {
            firstByte(r);
            out.setStatusCode(200).setChunked(true);
            String type = resp.getHeader("Content-Type");
            out.putHeader("Content-Type", type == null ? "text/event-stream" : type);
            out.putHeader("Cache-Control", "no-cache");
            if (podHeader) {
              out.putHeader("X-Lorafleet-Pod", pod.id());
            }
          }
          sse.feed(buf);
          if (out.closed()) {
            return; // the client left; its close handler resets the upstream
          }
          out.write(buf);
          if (out.writeQueueFull()) {
            resp.pause();
            out.drainHandler(v -> resp.resume());
          }
        });
    resp.endHandler(
        v -> {
          if (ended.compareAndSet(false, true)) {
            metrics.tokens(r.model, sse.tokens());
            if (!started.get()) {
              // 200 with an empty body: nothing reached the client, another pod may answer
              retry(r, pod, "empty", 502, null);
              return;
            }
            out.end();
            finish(r, pod, "ok");
          }
        });
    resp.exceptionHandler(
        e -> {
          if (!ended.compareAndSet(false, true)) {
            return;
          }
          if (r.cancelled) {
            finish(r, pod, "cancelled");
            return;
          }
          pod.markDown("stream broken: " + e.getMessage());
          if (!started.get()) {
            retry(r, pod, "broken", 503, null);
            return;
          }
          metrics.tokens(r.model, sse.tokens());
          LOG.warnf(
              "a stream of %s on pod %s broke: %s",
              LogText.of(r.model), LogText.of(pod.id()), LogText.of(e.getMessage()));
          String event =
              OpenAiError.body(
                      "server_error",
                      "upstream_failed",
                      null,
                      "the pod serving this stream stopped answering; the output is incomplete")
                  .toString();
          out.end(
              Buffer.buffer(
                  (sse.atBoundary() ? "" : "\n\n") + "data: " + event + "\n\ndata: [DONE]\n\n"));
          finish(r, pod, "error");
        });
  }

  /** Tries another pod, or answers with what the last pod said (or 503) when none is left. */
  private void retry(ProxiedRequest r, Pod pod, String reason, int status, Buffer body) {
    dispatcher.released(pod);
    if (body != null) {
      r.lastStatus = status;
      r.lastBody = body;
    }
    if (r.cancelled) {
      metrics.request(r.model, r.route, "cancelled");
      return;
    }
    if (r.canary) {
      // A pod's refusal says nothing of the version; a lost connection or a broken answer may
      // (both arrive here as 503).
      toStable(r, "canary_" + reason, !VersionFailure.isRefusal(status));
      return;
    }
    if (r.attempts >= maxAttempts) {
      noPodLeft(r);
      return;
    }
    metrics.retry(r.model, reason);
    dispatcher.submit(r);
  }

  private void finish(ProxiedRequest r, Pod pod, String result) {
    dispatcher.released(pod);
    ended(r, result, result.equals("error"));
  }

  private void firstByte(ProxiedRequest r) {
    r.ttftNanos = System.nanoTime() - r.arrivalNanos;
    metrics.firstByte(r.model, r.ttftNanos);
  }

  /**
   * The canary failed before anything reached the client: counted as a canary failure unless a pod
   * refused it with 429 ({@code canaryFailed} false), and the request starts again on the stable
   * version (every pod may be tried again), so the client does not see it.
   */
  private void toStable(ProxiedRequest r, String reason, boolean canaryFailed) {
    if (canaryFailed) {
      r.split.window().record(true, true, -1);
      metrics.rolloutRequest(r.model, true, true);
    }
    metrics.retry(r.model, reason);
    LOG.debugf("canary of %s failed (%s): sent to stable", LogText.of(r.model), reason);
    r.canary = false;
    r.adapter = r.model;
    r.body = r.clientBody;
    r.tried.clear();
    r.attempts = 0;
    r.lastBody = null;
    r.route = "none";
    dispatcher.submit(r);
  }

  /**
   * A request's end: its metrics, and the count of its version in its rollout window ({@code
   * failed}: counted against that version).
   */
  private void ended(ProxiedRequest r, String result, boolean failed) {
    ended(r, result, failed, true);
  }

  /** {@code counted}: whether the request counts in its rollout window (a refusal does not). */
  private void ended(ProxiedRequest r, String result, boolean failed, boolean counted) {
    metrics.request(r.model, r.route, result);
    if (counted && r.split != null && !result.equals("cancelled")) {
      r.split.window().record(r.canary, failed, r.ttftNanos);
      metrics.rolloutRequest(r.model, r.canary, failed);
    }
  }

  private void passThrough(ProxiedRequest r, int status, Buffer body, String result) {
    ended(
        r,
        result,
        result.equals("error") || VersionFailure.is(status),
        !VersionFailure.isRefusal(status));
    HttpServerResponse out = r.ctx.response();
    if (out.closed() || out.ended()) {
      return;
    }
    out.setStatusCode(status).putHeader("Content-Type", "application/json");
    if (status == 429 || status == 503) {
      out.putHeader("Retry-After", "1");
    }
    if (podHeader && r.pod != null) {
      out.putHeader("X-Lorafleet-Pod", r.pod.id());
    }
    out.end(body);
  }

  private long completionTokens(Buffer body) {
    try {
      JsonNode n = json.readTree(body.getBytes());
      return n.path("usage").path("completion_tokens").asLong(0);
    } catch (Exception e) {
      return 0;
    }
  }
}
