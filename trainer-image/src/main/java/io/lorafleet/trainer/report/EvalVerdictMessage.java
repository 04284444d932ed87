package io.lorafleet.trainer.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An {@link EvalVerdict} as the eval container's termination message: compact JSON of at most
 * {@link EvalVerdict#MAX_BYTES} bytes. The message is for people and goes first, then the gates'
 * rule texts; the numbers, which the operator acts on, always stay.
 */
public final class EvalVerdictMessage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EvalVerdictMessage() {}

  public static String of(EvalVerdict verdict) {
    EvalVerdict shortened = verdict.shortened();
    for (EvalVerdict v : List.of(verdict, shortened, shortened.withoutRules())) {
      String json = write(v);
      if (json.getBytes(StandardCharsets.UTF_8).length <= EvalVerdict.MAX_BYTES) {
        return json;
      }
    }
    throw new IllegalStateException(
        "an eval verdict does not fit " + EvalVerdict.MAX_BYTES + " bytes");
  }

  private static String write(EvalVerdict verdict) {
    try {
      return JSON.writeValueAsString(verdict);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an eval verdict cannot be serialized", e);
    }
  }
}
