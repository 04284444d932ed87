package io.lorafleet.trainer.report;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.trainer.storage.Place;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Writes progress.json (at most every {@code minInterval}, unless forced) and result.json to the
 * run directory.
 */
public final class RunReports {
  public static final String PROGRESS = RunProgress.FILE;
  public static final String RESULT = RunResult.FILE;
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private final Place run;
  private final Clock clock;
  private final Duration minInterval;
  private Instant lastWrite = Instant.MIN;
  private Consumer<RunProgress> observer = p -> {};

  public RunReports(Place run, Clock clock, Duration minInterval) {
    this.run = run;
    this.clock = clock;
    this.minInterval = minInterval;
  }

  public Clock clock() {
    return clock;
  }

  /** Also shows every step's progress to {@code observer} (a console progress bar). */
  public RunReports observedBy(Consumer<RunProgress> observer) {
    this.observer = observer;
    return this;
  }

  /** Writes when {@code force} or when the last write is at least minInterval old. */
  public boolean progress(RunProgress p, boolean force) {
    observer.accept(p);
    Instant now = clock.instant();
    if (!force && lastWrite.plus(minInterval).isAfter(now)) {
      return false;
    }
    run.writeBytes(PROGRESS, json(p));
    lastWrite = now;
    return true;
  }

  public void result(RunResult r) {
    run.writeBytes(RESULT, json(r));
  }

  /** The result a previous attempt of this run wrote, if any. */
  public Optional<RunResult> previousResult() {
    if (!run.exists(RESULT)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(run.readBytes(RESULT), RunResult.class));
    } catch (IOException e) {
      return Optional.empty(); // unreadable: treated as absent, this run writes a new one
    }
  }

  static byte[] json(Object o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
