package io.lorafleet.server.scheduling;

import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.BatchSequence;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.server.residency.AdapterVersion;
import java.util.SplittableRandom;

/**
 * One request in the engine: prompt, sampling, the adapter version it was resolved to when it
 * arrived (null = base model), and, once admitted, its cache blocks and its slot in the adapter
 * table. Engine-thread state apart from {@link #cancel()}.
 */
public final class Sequence implements BatchSequence {
  final String model;
  final int[] prompt;
  final SamplingParams params;
  final AdapterVersion version;
  final TokenSink sink;
  final long arrivalNanos;
  final long deadlineNanos; // 0 = none
  final SplittableRandom random;
  private volatile boolean cancelled;

  // Set at admission.
  int slot = -1;
  LoadedAdapter weights;
  int[] blocks;
  int length; // positions in the cache after the next forward
  int last;
  int generated;
  long lastTokenNanos;
  boolean finished;

  public Sequence(
      String model,
      int[] prompt,
      SamplingParams params,
      AdapterVersion version,
      TokenSink sink,
      long deadlineNanos) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt must have at least one token");
    }
    this.model = model;
    this.prompt = prompt.clone();
    this.params = params;
    this.version = version;
    this.sink = sink;
    this.arrivalNanos = System.nanoTime();
    this.deadlineNanos = deadlineNanos;
    this.random = new SplittableRandom(params.seed());
  }

  /** The client went away: the engine drops the sequence at its next step. */
  public void cancel() {
    cancelled = true;
  }

  boolean cancelled() {
    return cancelled;
  }

  @Override
  public int[] promptTokens() {
    return prompt;
  }

  @Override
  public int adapterSlot() {
    return slot;
  }

  @Override
  public int lastToken() {
    return last;
  }

  @Override
  public int cachedLength() {
    return length;
  }

  @Override
  public int[] blockTable() {
    return blocks;
  }

  /** Positions this sequence can ever occupy: the whole prompt plus every token it may generate. */
  int maxPositions() {
    return prompt.length + params.maxNewTokens();
  }
}
