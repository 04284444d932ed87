package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's Node: registered Ready with a capacity, and kept so by a heartbeat every 10 s (the
 * node Lease in kube-node-lease and the Ready condition), so the node lifecycle controller never
 * marks it NotReady or taints it and the real scheduler binds pods to it.
 */
final class NodeRegistration implements AutoCloseable {
  static final String LEASE_NAMESPACE = "kube-node-lease";

  private final KubernetesClient client;
  private final String name;
  private final ScheduledExecutorService heartbeat =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("kubelet-heartbeat").unstarted(r));

  private NodeRegistration(KubernetesClient client, String name) {
    this.client = client;
    this.name = name;
  }

  static NodeRegistration register(
      KubernetesClient client, String name, Map<String, String> capacity) {
    NodeRegistration node = new NodeRegistration(client, name);
    Map<String, Quantity> resources = new TreeMap<>();
    capacity.forEach((k, v) -> resources.put(k, new Quantity(v)));
    Node created =
        client
            .nodes()
            .resource(
                new NodeBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .addToLabels("kubernetes.io/hostname", name)
                    .addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("kubernetes.io/arch", "amd64")
                    .endMetadata()
                    .withNewSpec()
                    .endSpec()
                    .build())
            .create();
    var status =
        new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
            .withCapacity(resources)
            .withAllocatable(resources)
            .withConditions(conditions(List.of()))
            .addNewAddress()
            .withType("InternalIP")
            .withAddress(PodStatusWriter.HOST_IP)
            .endAddress()
            .addNewAddress()
            .withType("Hostname")
            .withAddress(name)
            .endAddress()
            .withNewNodeInfo()
            .withKubeletVersion("v1.34.4")
            .withKubeProxyVersion("v1.34.4")
            .withOperatingSystem("linux")
            .withArchitecture("amd64")
            .withContainerRuntimeVersion("lorafleet-kubelet-stand-in://1")
            .withOsImage("loopback")
            .withKernelVersion(System.getProperty("os.version"))
            .withMachineID(name)
            .withSystemUUID(name)
            .withBootID(name)
            .endNodeInfo()
            .build();
    // The node controllers write to the new Node at the same time: retried on a conflict.
    node.updateStatus(n -> n.setStatus(status));
    client
        .leases()
        .inNamespace(LEASE_NAMESPACE)
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(LEASE_NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(name)
                .withLeaseDurationSeconds(40)
                .withRenewTime(nowTime())
                .endSpec()
                .build())
        .create();
    node.heartbeat.scheduleWithFixedDelay(node::beat, 10, 10, TimeUnit.SECONDS);
    return node;
  }

  private static ZonedDateTime nowTime() {
    return ZonedDateTime.now(ZoneOffset.UTC);
  }

  private static List<NodeCondition> conditions(List<NodeCondition> previous) {
    String now = Instant.now().toString();
    return List.of(
        condition(previous, "MemoryPressure", "False", "KubeletHasSufficientMemory", now),
        condition(previous, "DiskPressure", "False", "KubeletHasNoDiskPressure", now),
        condition(previous, "PIDPressure", "False", "KubeletHasSufficientPID", now),
        condition(previous, "Ready", "True", "KubeletReady", now));
  }

  private static NodeCondition condition(
      List<NodeCondition> previous, String type, String status, String reason, String now) {
    String since =
        previous.stream()
            .filter(c -> c.getType().equals(type) && c.getStatus().equals(status))
            .map(NodeCondition::getLastTransitionTime)
            .findFirst()
            .orElse(now);
    return new NodeConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withLastHeartbeatTime(now)
        .withLastTransitionTime(since)
        .build();
  }

  private void beat() {
    try {
      client
          .leases()
          .inNamespace(LEASE_NAMESPACE)
          .withName(name)
          .edit(
              (Lease lease) -> {
                lease.getSpec().setRenewTime(nowTime());
                return lease;
              });
      updateStatus(n -> n.getStatus().setConditions(conditions(n.getStatus().getConditions())));
    } catch (RuntimeException e) {
      // a missed beat is retried in 10 s; the node lifecycle controller waits 50 s
      System.err.println("kubelet stand-in " + name + ": heartbeat failed: " + e);
    }
  }

  private void updateStatus(java.util.function.Consumer<Node> change) {
    for (int attempt = 0; ; attempt++) {
      Node node = client.nodes().withName(name).get();
      change.accept(node);
      try {
        client.nodes().resource(node).updateStatus();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 9) {
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      client.leases().inNamespace(LEASE_NAMESPACE).withName(name).delete();
      client.nodes().withName(name).delete();
    } catch (RuntimeException e) {
      System.err.println("kubelet stand-in " + name + ": node not removed: " + e);
    }
  }
}
