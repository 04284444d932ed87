package io.lorafleet.operator.loraadapter.evaluation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import java.util.Optional;

/** Reads the {@link EvalVerdict} an eval container left as its termination message. */
public final class EvalVerdictReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EvalVerdictReader() {}

  /** The verdict in a termination message; empty when there is none (a crash, an OOM kill). */
  public static Optional<EvalVerdict> read(String message) {
    if (message == null || !message.strip().startsWith("{")) {
      return Optional.empty();
    }
    try {
      EvalVerdict v = JSON.readValue(message, EvalVerdict.class);
      return v.outcome() == null ? Optional.empty() : Optional.of(v);
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }
}
