package io.lorafleet.operator.jobs;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How the last pod of a failed Job ended, as its container reported it (review J4): the kernel's
 * OOMKilled, the exit code, and the termination message (the trainer's last words, or with {@code
 * FallbackToLogsOnError} the tail of its log). The Job's own condition only says
 * BackoffLimitExceeded.
 *
 * @param pod the pod's name
 * @param exitCode the container's exit code
 * @param reason the kubelet's reason: OOMKilled, Error, ...
 * @param message the termination message, shortened; may be empty
 */
public record TrainerTermination(String pod, int exitCode, String reason, String message) {
  /** Longer messages are cut: a condition message is for people, the pod's log has the rest. */
  static final int MAX_MESSAGE = 512;

  public boolean oomKilled() {
    return "OOMKilled".equals(reason);
  }

  /** "pod P: exit code N (Reason): message". */
  public String describe() {
    return "pod "
        + pod
        + ": exit code "
        + exitCode
        + (reason == null ? "" : " (" + reason + ")")
        + (message.isEmpty() ? "" : ": " + message);
  }

  /** The most recently ended {@code container} among the Job's pods, if any ended. */
  public static Optional<TrainerTermination> lastOf(
      KubernetesClient client, String namespace, String jobName, String container) {
    return lastEnded(client, namespace, jobName, container)
        .map(
            e ->
                new TrainerTermination(
                    e.pod(),
                    e.state().getExitCode() == null ? -1 : e.state().getExitCode(),
                    e.state().getReason(),
                    shorten(e.state().getMessage())));
  }

  /**
   * As {@link #lastOf}, with the terminated state as the kubelet wrote it (a message read by a
   * machine, such as the eval verdict, must not be shortened).
   */
  public static Optional<Ended> lastEnded(
      KubernetesClient client, String namespace, String jobName, String container) {
    List<Pod> pods =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel("batch.kubernetes.io/job-name", jobName)
            .list()
            .getItems();
    return pods.stream()
        .flatMap(
            pod ->
                Optional.ofNullable(pod.getStatus())
                    .map(s -> s.getContainerStatuses())
                    .orElse(List.of())
                    .stream()
                    .filter(s -> container.equals(s.getName()))
                    .map(s -> terminated(s))
                    .flatMap(Optional::stream)
                    .map(t -> new Ended(pod.getMetadata().getName(), t)))
        .max(
            Comparator.comparing(
                e -> e.state().getFinishedAt() == null ? "" : e.state().getFinishedAt()));
  }

  /** A pod's container that ended, and how. */
  public record Ended(String pod, ContainerStateTerminated state) {}

  private static Optional<ContainerStateTerminated> terminated(ContainerStatus status) {
    if (status.getState() != null && status.getState().getTerminated() != null) {
      return Optional.of(status.getState().getTerminated());
    }
    if (status.getLastState() != null && status.getLastState().getTerminated() != null) {
      return Optional.of(status.getLastState().getTerminated());
    }
    return Optional.empty();
  }

  private static String shorten(String message) {
    if (message == null) {
      return "";
    }
    String trimmed = message.strip();
    // The end of a log says most about why it stopped.
    return trimmed.length() <= MAX_MESSAGE
        ? trimmed
        : "…" + trimmed.substring(trimmed.length() - MAX_MESSAGE);
  }
}
