package io.lorafleet.api.v1alpha1.jobs;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The verdict of one {@code trainer eval} run, the contract between the trainer image, which writes
 * it as its container's termination message, and the operator, which reads it from the finished
 * pod's status to gate a canary rollout (docs/decisions/0011-evaluation-gate.md). The termination
 * message is the channel because the eval Job then needs no write access anywhere (its credentials
 * only read the model, the adapters and the datasets); the price is the kubelet's limit of {@link
 * #MAX_BYTES} per container, which the trainer's writer keeps to by shortening the message ({@link
 * #shortened()}), then dropping the gates' rule texts ({@link #withoutRules()}). Unknown fields are
 * ignored so newer trainers work with older operators. Each side reads and writes the JSON with its
 * own Jackson mapper (this module holds types only).
 *
 * @param outcome Passed, Failed (a gate failed) or Invalid (the evaluation could not run: bad
 *     dataset, missing adapter, ...; not retried)
 * @param reason with Invalid: the trainer's CamelCase reason (InvalidDataset, AdapterNotFound,
 *     IncompatibleAdapter, InvalidBaseModel, ...)
 * @param message with Invalid: what was wrong, for people
 * @param candidateDigest the candidate version's digest as pulled and verified ("sha256:...")
 * @param gates every gate with its numbers (Passed and Failed)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvalVerdict(
    Outcome outcome, String reason, String message, String candidateDigest, List<Gate> gates) {

  /** Kubernetes keeps at most 4096 bytes of a container's termination message. */
  public static final int MAX_BYTES = 4096;

  /** Longer messages are cut (in characters; at most 4 bytes each in UTF-8). */
  static final int MAX_MESSAGE = 512;

  public enum Outcome {
    Passed,
    Failed,
    Invalid
  }

  /**
   * One threshold: {@code candidate} compared with {@code reference} (stable's or the base model's
   * value) under {@code rule}; {@code limit} is the value the candidate had to reach.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Gate(
      String name,
      String against,
      double candidate,
      double reference,
      double limit,
      String rule,
      boolean passed) {

    Gate withoutRule() {
      return new Gate(name, against, candidate, reference, limit, null, passed);
    }
  }

  public static EvalVerdict judged(String candidateDigest, List<Gate> gates) {
    boolean passed = gates.stream().allMatch(Gate::passed);
    return new EvalVerdict(
        passed ? Outcome.Passed : Outcome.Failed, null, null, candidateDigest, List.copyOf(gates));
  }

  public static EvalVerdict invalid(String reason, String message) {
    return new EvalVerdict(Outcome.Invalid, reason, message, null, null);
  }

  /** The gates that failed, in order. */
  public List<Gate> failedGates() {
    return gates == null ? List.of() : gates.stream().filter(g -> !g.passed()).toList();
  }

  /** The same verdict without the gates' rule texts (the numbers stay). */
  public EvalVerdict withoutRules() {
    return new EvalVerdict(
        outcome,
        reason,
        message,
        candidateDigest,
        gates == null ? null : gates.stream().map(Gate::withoutRule).toList());
  }

  /** The same verdict with its message cut to {@link #MAX_MESSAGE} characters. */
  public EvalVerdict shortened() {
    return message == null || message.length() <= MAX_MESSAGE
        ? this
        : new EvalVerdict(
            outcome, reason, message.substring(0, MAX_MESSAGE) + "...", candidateDigest, gates);
  }
}
