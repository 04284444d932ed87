package io.lorafleet.operator.serving;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A ready serving pod as the operator addresses it. Its identity includes the UID and the restart
 * count: a replaced or restarted pod has lost its adapters and must get them again.
 */
public record ServingPod(String name, String uid, int restarts, URI endpoint) {

  /** The pod, if it is ready and has an IP and an http port. */
  public static Optional<ServingPod> of(Pod pod) {
    if (pod.getStatus() == null
        || pod.getStatus().getPodIP() == null
        || pod.getMetadata().getDeletionTimestamp() != null
        || !ready(pod)) {
      return Optional.empty();
    }
    Optional<Integer> port =
        pod.getSpec().getContainers().stream()
            .flatMap(c -> c.getPorts().stream())
            .filter(p -> "http".equals(p.getName()))
            .map(ContainerPort::getContainerPort)
            .filter(Objects::nonNull)
            .findFirst();
    if (port.isEmpty()) {
      return Optional.empty();
    }
    int restarts =
        pod.getStatus().getContainerStatuses() == null
            ? 0
            : pod.getStatus().getContainerStatuses().stream()
                .mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount())
                .sum();
    String host = pod.getStatus().getPodIP();
    URI endpoint =
        URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port.get());
    return Optional.of(
        new ServingPod(
            pod.getMetadata().getName(), pod.getMetadata().getUid(), restarts, endpoint));
  }

  private static boolean ready(Pod pod) {
    if (pod.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition condition : pod.getStatus().getConditions()) {
      if ("Ready".equals(condition.getType())) {
        return "True".equals(condition.getStatus());
      }
    }
    return false;
  }
}
