package io.lorafleet.server.scheduling;

import io.lorafleet.engine.model.GenerationResult.FinishReason;

/** Receives one sequence's output on the engine thread; implementations must not block. */
public interface TokenSink {
  /** A generated token; returns false to end the sequence here (a stop string matched). */
  boolean onToken(int token);

  /** The sequence ended normally. */
  void onFinish(FinishReason reason, int promptTokens, int completionTokens);

  /** The sequence could not run or finish. */
  void onError(RequestFailure failure);
}
