package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelReason;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the serving Deployment's rollout stands (review T4): complete only when the Deployment
 * controller has seen the current template (observedGeneration), every desired pod runs it
 * (updatedReplicas), is available (availableReplicas) and no old pod is left (replicas). Counting
 * ready pods alone reports old pods as a finished rollout. A stuck pod is named by its cause: not
 * schedulable (the PodScheduled condition), its image not pullable, or its container crash-looping
 * (the containers' waiting reasons); the Deployment's Progressing condition says whether the
 * rollout has given up ({@code ProgressDeadlineExceeded}).
 *
 * @param complete the rollout is finished
 * @param stalled the Deployment controller reports ProgressDeadlineExceeded
 * @param problem the cause a pod shows, or ProgressDeadlineExceeded, or null
 * @param message what was seen, for the condition
 */
record ServingRolloutState(
    boolean complete, boolean stalled, BaseModelReason problem, String message) {

  private static final List<String> IMAGE_PULL = List.of("ImagePullBackOff", "ErrImagePull");

  static ServingRolloutState of(Deployment deployment, int desired, Collection<Pod> pods) {
    if (deployment == null) {
      return new ServingRolloutState(false, false, null, "the serving Deployment is being created");
    }
    DeploymentStatus status =
        deployment.getStatus() == null ? new DeploymentStatus() : deployment.getStatus();
    long generation = orZero(deployment.getMetadata().getGeneration());
    boolean observed = orZero(status.getObservedGeneration()) >= generation;
    int updated = orZero(status.getUpdatedReplicas());
    int available = orZero(status.getAvailableReplicas());
    int total = orZero(status.getReplicas());
    boolean complete = observed && updated >= desired && available >= desired && total <= desired;
    Optional<DeploymentCondition> deadline =
        Optional.ofNullable(status.getConditions()).stream()
            .flatMap(List::stream)
            .filter(c -> "Progressing".equals(c.getType()))
            .filter(c -> "ProgressDeadlineExceeded".equals(c.getReason()))
            .findFirst();
    Optional<PodProblem> podProblem =
        pods.stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .flatMap(ServingRolloutState::problemOf)
            .findFirst();
    String progress =
        complete
            ? ""
            : !observed
                ? "the Deployment controller has not yet seen generation " + generation
                : updated
                    + "/"
                    + desired
                    + " pods updated, "
                    + available
                    + " available, "
                    + Math.max(0, total - updated)
                    + " old";
    if (podProblem.isPresent()) {
      String message =
          podProblem.get().message()
              + (deadline.isPresent() ? "; the rollout exceeded its progress deadline" : "");
      return new ServingRolloutState(
          complete, deadline.isPresent(), podProblem.get().reason(), message);
    }
    if (deadline.isPresent()) {
      return new ServingRolloutState(
          complete,
          true,
          BaseModelReason.ProgressDeadlineExceeded,
          Objects.requireNonNullElse(deadline.get().getMessage(), "")
              + (progress.isEmpty() ? "" : " (" + progress + ")"));
    }
    return new ServingRolloutState(complete, false, null, progress);
  }

  private record PodProblem(BaseModelReason reason, String message) {}

  private static Stream<PodProblem> problemOf(Pod pod) {
    String name = pod.getMetadata().getName();
    if (pod.getStatus() == null) {
      return Stream.empty();
    }
    for (PodCondition condition :
        Optional.ofNullable(pod.getStatus().getConditions()).orElse(List.of())) {
      if ("PodScheduled".equals(condition.getType())
          && "False".equals(condition.getStatus())
          && "Unschedulable".equals(condition.getReason())) {
        return Stream.of(
            new PodProblem(
                BaseModelReason.Unschedulable,
                "pod " + name + " cannot be scheduled: " + orEmpty(condition.getMessage())));
      }
    }
    for (ContainerStatus container :
        Optional.ofNullable(pod.getStatus().getContainerStatuses()).orElse(List.of())) {
      if (container.getState() == null || container.getState().getWaiting() == null) {
        continue;
      }
      String reason = container.getState().getWaiting().getReason();
      String detail = orEmpty(container.getState().getWaiting().getMessage());
      if (IMAGE_PULL.contains(reason)) {
        return Stream.of(
            new PodProblem(
                BaseModelReason.ImagePullBackOff,
                "pod " + name + " cannot pull image " + container.getImage() + ": " + detail));
      }
      if ("CrashLoopBackOff".equals(reason)) {
        String last = "";
        if (container.getLastState() != null && container.getLastState().getTerminated() != null) {
          var terminated = container.getLastState().getTerminated();
          last =
              " (last exit code "
                  + terminated.getExitCode()
                  + (terminated.getReason() == null ? "" : ", " + terminated.getReason())
                  + ")";
        }
        return Stream.of(
            new PodProblem(
                BaseModelReason.CrashLoopBackOff,
                "pod " + name + " container " + container.getName() + " keeps crashing" + last));
      }
    }
    return Stream.empty();
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
