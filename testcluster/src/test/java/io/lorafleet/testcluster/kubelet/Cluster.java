package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.testcluster.ControlPlane;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** The JVM's shared control plane and small waits, for the kubelet stand-in's tests. */
final class Cluster {
  private Cluster() {}

  static KubernetesClient admin() {
    return ControlPlane.shared().adminClient();
  }

  static String namespace(String prefix, boolean restricted) {
    String name = prefix + "-" + Long.toHexString(System.nanoTime());
    var meta = new NamespaceBuilder().withNewMetadata().withName(name);
    if (restricted) {
      meta.addToLabels("pod-security.kubernetes.io/enforce", "restricted");
    }
    admin().namespaces().resource(meta.endMetadata().build()).create();
    return name;
  }

  static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  /** The pod once {@code condition} holds for it. */
  static Pod awaitPod(String namespace, String name, String what, Predicate<Pod> condition) {
    Pod[] seen = new Pod[1];
    try {
      awaitTrue(
          what,
          Duration.ofSeconds(60),
          () -> {
            seen[0] = admin().pods().inNamespace(namespace).withName(name).get();
            return seen[0] != null && condition.test(seen[0]);
          });
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "; pod status: " + (seen[0] == null ? "gone" : seen[0].getStatus()), e);
    }
    return seen[0];
  }

  static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }
}
