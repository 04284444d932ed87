package io.lorafleet.server.scheduling;

import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.model.GenerationResult.FinishReason;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.residency.DeviceSlots;
import org.jboss.logging.Logger;

/**
 * The engine thread's side of a sequence's client: picks each token from the logits, hands it to
 * the sequence's {@link TokenSink}, decides when the sequence ends (stop token, the sink's wish,
 * max_tokens), and on every end gives back its cache blocks and its adapter slot exactly once. A
 * sink that throws ends its own sequence, never the engine.
 */
final class TokenDelivery {
  private static final Logger LOG = Logger.getLogger(TokenDelivery.class);

  private final LlamaModel model;
  private final PagedKvCache cache;
  private final DeviceSlots device;
  private final ServerMetrics metrics;
  private final int vocab;

  TokenDelivery(LlamaModel model, PagedKvCache cache, DeviceSlots device, ServerMetrics metrics) {
    this.model = model;
    this.cache = cache;
    this.device = device;
    this.metrics = metrics;
    this.vocab = model.config().vocabSize();
  }

  /** The token {@code s} samples from its row of logits at {@code row}. */
  int pick(Sequence s, float[] logits, int row) {
    return s.params.pick(model.backend(), logits, row * vocab, vocab, s.random);
  }

  void deliver(Sequence s, int token, long now) {
    if (s.params.stopTokens().contains(token)) {
      finish(s, FinishReason.STOP);
      return;
    }
    s.generated++;
    s.last = token;
    s.length++;
    if (s.generated == 1) {
      metrics.timeToFirstToken(s.model, now - s.arrivalNanos);
    } else {
      metrics.interTokenLatency(s.model, now - s.lastTokenNanos);
    }
    s.lastTokenNanos = now;
    metrics.generatedToken(s.model);
    boolean more;
    try {
      more = s.sink.onToken(token);
    } catch (RuntimeException e) {
      LOG.warn("token sink failed; ending the sequence", e);
      finish(s, null);
      return;
    }
    if (!more) {
      finish(s, FinishReason.STOP);
    } else if (s.generated >= s.params.maxNewTokens()) {
      finish(s, FinishReason.LENGTH);
    }
  }

  /**
   * Ends a sequence; {@code reason} null means cancelled by the client, whose thread still waits
   * for an end (told with {@link RequestFailure#clientClosed()}).
   */
  void finish(Sequence s, FinishReason reason) {
    release(s);
    if (reason == null) {
      metrics.request(s.model, "cancelled");
      try {
        s.sink.onError(RequestFailure.clientClosed());
      } catch (RuntimeException e) {
        LOG.warn("token sink failed at cancellation", e);
      }
      return;
    }
    metrics.request(s.model, "completed");
    try {
      s.sink.onFinish(reason, s.prompt.length, s.generated);
    } catch (RuntimeException e) {
      LOG.warn("token sink failed at finish", e);
    }
  }

  void fail(Sequence s, RequestFailure failure) {
    release(s);
    metrics.request(s.model, failure.status() >= 500 ? "failed" : "rejected");
    try {
      s.sink.onError(failure);
    } catch (RuntimeException e) {
      LOG.warn("token sink failed at error", e);
    }
  }

  private void release(Sequence s) {
    if (s.finished) {
      return;
    }
    s.finished = true;
    if (s.blocks != null) {
      cache.release(s.blocks, s.blocks.length);
      s.blocks = null;
    }
    if (s.weights != null) {
      device.release(s.version);
      s.weights = null;
    }
  }
}
