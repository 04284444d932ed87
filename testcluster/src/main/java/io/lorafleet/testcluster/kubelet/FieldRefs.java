package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The pod fields the downward API exposes (env fieldRef and downwardAPI volume items). */
final class FieldRefs {
  private FieldRefs() {}

  static String value(Pod pod, String fieldPath, String podIP) throws ContainerConfigException {
    return switch (fieldPath) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> pod.getMetadata().getNamespace();
      case "metadata.uid" -> pod.getMetadata().getUid();
      case "metadata.labels" -> lines(pod.getMetadata().getLabels());
      case "metadata.annotations" -> lines(pod.getMetadata().getAnnotations());
      case "spec.nodeName" -> pod.getSpec().getNodeName();
      case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
      case "status.podIP", "status.podIPs" -> podIP;
      case "status.hostIP", "status.hostIPs" -> "127.0.0.1";
      default ->
          throw new ContainerConfigException(
              "CreateContainerConfigError",
              "fieldRef " + fieldPath + " is not emulated by the kubelet stand-in");
    };
  }

  /** The kubelet's format: one key="value" per line, sorted by key. */
  private static String lines(Map<String, String> map) {
    if (map == null) {
      return "";
    }
    return new TreeMap<>(map)
        .entrySet().stream()
            .map(e -> e.getKey() + "=\"" + e.getValue().replace("\"", "\\\"") + "\"")
            .collect(Collectors.joining("\n"));
  }
}
