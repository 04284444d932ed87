package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Pod Security Standard {@code restricted} (latest, as the PodSecurity admission plugin checks
 * it on 1.29+) over a pod spec: the checks of k8s.io/pod-security-admission/policy that a pod the
 * operator builds could violate. The mock API server admits anything, so this is what catches a pod
 * a labelled namespace would refuse (FailedCreate on the Job or ReplicaSet).
 */
public final class RestrictedPodSecurity {
  private static final Set<String> RESTRICTED_VOLUMES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  private RestrictedPodSecurity() {}

  /** Every violation, as the admission message would name it; empty when the pod is admitted. */
  public static List<String> violations(PodSpec pod) {
    List<String> problems = new ArrayList<>();
    PodSecurityContext podContext = pod.getSecurityContext();
    if (Boolean.TRUE.equals(pod.getHostNetwork())
        || Boolean.TRUE.equals(pod.getHostPID())
        || Boolean.TRUE.equals(pod.getHostIPC())) {
      problems.add("host namespaces");
    }
    for (Volume volume : pod.getVolumes()) {
      if (volumeTypes(volume).stream().noneMatch(RESTRICTED_VOLUMES::contains)) {
        problems.add("restricted volume types: " + volume.getName());
      }
    }
    boolean podNonRoot = podContext != null && Boolean.TRUE.equals(podContext.getRunAsNonRoot());
    if (podContext != null && podContext.getRunAsUser() != null && podContext.getRunAsUser() == 0) {
      problems.add("runAsUser=0 (pod)");
    }
    String podSeccomp = seccompType(podContext == null ? null : podContext.getSeccompProfile());
    if ("Unconfined".equals(podSeccomp)) {
      problems.add("seccompProfile Unconfined (pod)");
    }
    List<Container> containers =
        Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList();
    for (Container c : containers) {
      String name = c.getName();
      SecurityContext sc = c.getSecurityContext();
      if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) {
        problems.add("privileged (" + name + ")");
      }
      if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        problems.add("allowPrivilegeEscalation != false (" + name + ")");
      }
      Boolean nonRoot = sc == null ? null : sc.getRunAsNonRoot();
      if (Boolean.FALSE.equals(nonRoot) || (nonRoot == null && !podNonRoot)) {
        problems.add("runAsNonRoot != true (" + name + ")");
      }
      if (sc != null && sc.getRunAsUser() != null && sc.getRunAsUser() == 0) {
        problems.add("runAsUser=0 (" + name + ")");
      }
      String seccomp = seccompType(sc == null ? null : sc.getSeccompProfile());
      if ("Unconfined".equals(seccomp)
          || (seccomp == null && !isConfined(podSeccomp))
          || (seccomp != null && !isConfined(seccomp))) {
        problems.add("seccompProfile (" + name + ") must be RuntimeDefault or Localhost");
      }
      Capabilities caps = sc == null ? null : sc.getCapabilities();
      if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
        problems.add("unrestricted capabilities: must drop ALL (" + name + ")");
      }
      if (caps != null && caps.getAdd() != null) {
        for (String add : caps.getAdd()) {
          if (!add.equals("NET_BIND_SERVICE")) {
            problems.add("unrestricted capabilities: adds " + add + " (" + name + ")");
          }
        }
      }
      c.getPorts()
          .forEach(
              p -> {
                if (p.getHostPort() != null && p.getHostPort() != 0) {
                  problems.add("hostPort (" + name + ")");
                }
              });
    }
    return problems;
  }

  private static boolean isConfined(String type) {
    return "RuntimeDefault".equals(type) || "Localhost".equals(type);
  }

  private static String seccompType(SeccompProfile profile) {
    return profile == null ? null : profile.getType();
  }

  private static List<String> volumeTypes(Volume v) {
    List<String> types = new ArrayList<>();
    if (v.getConfigMap() != null) types.add("configMap");
    if (v.getCsi() != null) types.add("csi");
    if (v.getDownwardAPI() != null) types.add("downwardAPI");
    if (v.getEmptyDir() != null) types.add("emptyDir");
    if (v.getEphemeral() != null) types.add("ephemeral");
    if (v.getPersistentVolumeClaim() != null) types.add("persistentVolumeClaim");
    if (v.getProjected() != null) types.add("projected");
    if (v.getSecret() != null) types.add("secret");
    if (v.getHostPath() != null) types.add("hostPath");
    return types;
  }
}
