package io.lorafleet.server.api;

import io.lorafleet.engine.model.GenerationResult.FinishReason;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.model.BaseModel;
import io.lorafleet.server.model.ModelService;
import io.lorafleet.server.pool.LazyLoads;
import io.lorafleet.server.residency.AdapterRegistry;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.scheduling.EngineService;
import io.lorafleet.server.scheduling.RequestFailure;
import io.lorafleet.server.scheduling.Scheduler;
import io.lorafleet.server.scheduling.Sequence;
import io.lorafleet.server.scheduling.TokenSink;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Between the HTTP resources and the engine: resolves {@code model} to the base model or to the
 * adapter version currently served under that name (captured now: the request runs on this version
 * even if the name is updated or unloaded meanwhile), submits the sequence and turns its tokens
 * into text for a {@link Listener}.
 */
@ApplicationScoped
public class InferenceService {
  /** Receives a request's output on the engine thread; must not block. */
  public interface Listener {
    void onText(String delta);

    void onDone(String finishReason, Usage usage);

    void onError(ApiException error);
  }

  /** What a request runs on: the base model alone or one adapter version. */
  public record Target(String name, BaseModel base, AdapterVersion version) {}

  private final ModelService models;
  private final EngineService engine;
  private final AdapterRegistry registry;
  private final ServerMetrics metrics;
  private final LazyLoads lazy;

  InferenceService(
      ModelService models,
      EngineService engine,
      AdapterRegistry registry,
      ServerMetrics metrics,
      LazyLoads lazy) {
    this.models = models;
    this.engine = engine;
    this.registry = registry;
    this.metrics = metrics;
    this.lazy = lazy;
  }

  public Target resolve(String model) {
    BaseModel base = models.current();
    if (base == null || engine.scheduler() == null) {
      throw new ApiException(
          503, "server_error", "model_loading", null, "the base model is still loading", 5);
    }
    if (model == null || model.isBlank()) {
      throw ApiException.invalid("model", "model is required");
    }
    if (model.equals(base.name())) {
      return new Target(model, base, null);
    }
    AdapterVersion v = registry.get(model);
    if (v == null) {
      v = lazy.ensure(model); // registered but not loaded: loaded now, off the engine thread
    }
    if (v == null) {
      throw ApiException.modelNotFound(model);
    }
    return new Target(model, base, v);
  }

  /** Queues the request; refusals (429, 503, 400) are thrown as {@link ApiException}. */
  public Sequence submit(
      Target target,
      int[] prompt,
      SamplingParams params,
      List<String> stops,
      long deadlineNanos,
      Listener listener) {
    if (prompt.length == 0) {
      throw ApiException.invalid("prompt", "the prompt is empty");
    }
    int vocab = target.base().config().vocabSize();
    for (int id : prompt) {
      if (id < 0 || id >= vocab) {
        throw ApiException.invalid("prompt", "token id " + id + " is outside the vocabulary");
      }
    }
    TextAssembler text = new TextAssembler(target.base().tokenizer(), stops);
    TokenSink sink =
        new TokenSink() {
          @Override
          public boolean onToken(int token) {
            String delta = text.add(token);
            if (!delta.isEmpty()) {
              listener.onText(delta);
            }
            return !text.stopped();
          }

          @Override
          public void onFinish(FinishReason reason, int promptTokens, int completionTokens) {
            String rest = text.flush();
            if (!rest.isEmpty()) {
              listener.onText(rest);
            }
            listener.onDone(
                reason == FinishReason.LENGTH ? "length" : "stop",
                Usage.of(promptTokens, completionTokens));
          }

          @Override
          public void onError(RequestFailure failure) {
            listener.onError(ApiException.of(failure));
          }
        };
    Sequence seq =
        new Sequence(target.name(), prompt, params, target.version(), sink, deadlineNanos);
    Scheduler scheduler = engine.scheduler();
    try {
      scheduler.submit(seq);
    } catch (RequestFailure.Rejected e) {
      metrics.request(target.name(), e.failure().status() >= 500 ? "failed" : "rejected");
      throw ApiException.of(e.failure());
    }
    return seq;
  }

  /** Deadlines past a day are no deadline (and would overflow nanoTime arithmetic). */
  static final long MAX_DEADLINE_MS = 86_400_000L;

  /**
   * The deadline header ({@code X-Lorafleet-Deadline-Ms}: milliseconds from now) as nanoTime; 0 for
   * none or for more than a day.
   */
  public static long deadline(String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      long ms = Long.parseLong(header.trim());
      if (ms <= 0) {
        throw ApiException.invalid(null, "X-Lorafleet-Deadline-Ms must be positive");
      }
      return ms > MAX_DEADLINE_MS ? 0 : System.nanoTime() + ms * 1_000_000L;
    } catch (NumberFormatException e) {
      throw ApiException.invalid(null, "X-Lorafleet-Deadline-Ms must be a number of milliseconds");
    }
  }
}
