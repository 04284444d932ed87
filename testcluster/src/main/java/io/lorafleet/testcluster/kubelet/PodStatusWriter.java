package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a pod's status as the kubelet's status manager does: phase, pod and host IP, start time,
 * the container statuses, and the conditions the kubelet owns (PodReadyToStartContainers,
 * Initialized, ContainersReady, Ready); conditions others own (PodScheduled, DisruptionTarget) are
 * kept. A conflict is retried on a fresh read.
 */
final class PodStatusWriter {
  static final String HOST_IP = "127.0.0.1";
  private final KubernetesClient client;

  PodStatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /** False when the pod is gone (or another pod of that name replaced it). */
  boolean write(
      Pod pod,
      String phase,
      String podIP,
      Instant startTime,
      ContainerStatus container,
      boolean ready) {
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    for (int attempt = 0; attempt < 10; attempt++) {
      Pod current = client.pods().inNamespace(namespace).withName(name).get();
      if (current == null || !current.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
        return false;
      }
      PodStatus status = current.getStatus() == null ? new PodStatus() : current.getStatus();
      status.setPhase(phase);
      status.setHostIP(HOST_IP);
      status.setHostIPs(List.of(new io.fabric8.kubernetes.api.model.HostIP(HOST_IP)));
      if (podIP != null) {
        status.setPodIP(podIP);
        status.setPodIPs(List.of(new PodIP(podIP)));
      }
      if (startTime != null && status.getStartTime() == null) {
        status.setStartTime(startTime.toString());
      }
      status.setContainerStatuses(List.of(container));
      boolean running = container.getState().getRunning() != null;
      boolean sandbox = podIP != null && !"Succeeded".equals(phase) && !"Failed".equals(phase);
      String reason = ready ? null : (running ? "ContainersNotReady" : "PodCompleted");
      if (!running && container.getState().getWaiting() != null) {
        reason = "ContainersNotReady";
      }
      status.setConditions(
          conditions(
              status.getConditions(),
              Map.of(
                  "PodReadyToStartContainers", sandbox,
                  "Initialized", true,
                  "ContainersReady", ready,
                  "Ready", ready),
              reason));
      current.setStatus(status);
      try {
        client.pods().inNamespace(namespace).resource(current).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return false;
        }
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    throw new IllegalStateException("pod status of " + namespace + "/" + name + ": 10 conflicts");
  }

  private static List<PodCondition> conditions(
      List<PodCondition> existing, Map<String, Boolean> mine, String notReadyReason) {
    List<PodCondition> result = new ArrayList<>();
    for (PodCondition condition : existing == null ? List.<PodCondition>of() : existing) {
      if (!mine.containsKey(condition.getType())) {
        result.add(condition);
      }
    }
    for (String type :
        List.of("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready")) {
      String value = mine.get(type) ? "True" : "False";
      String since = Instant.now().toString();
      for (PodCondition old : existing == null ? List.<PodCondition>of() : existing) {
        if (old.getType().equals(type) && value.equals(old.getStatus())) {
          since = old.getLastTransitionTime(); // unchanged: keep when it last changed
        }
      }
      boolean readiness = type.equals("Ready") || type.equals("ContainersReady");
      result.add(
          new PodConditionBuilder()
              .withType(type)
              .withStatus(value)
              .withLastTransitionTime(since)
              .withReason(readiness && value.equals("False") ? notReadyReason : null)
              .build());
    }
    return result;
  }
}
