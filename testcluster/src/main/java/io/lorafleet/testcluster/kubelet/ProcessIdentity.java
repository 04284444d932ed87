package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who a container's process is, as the kubelet and the runtime decide it: {@code runAsUser} and
 * {@code runAsGroup} (the container's over the pod's, else the image's USER), the supplementary
 * groups the pod's {@code fsGroup} and {@code supplementalGroups}; a pod with {@code runAsNonRoot}
 * whose user would be root does not start.
 *
 * @param uid the user
 * @param gid the primary group
 * @param groups the supplementary groups (the primary group included, as the runtime adds it)
 */
public record ProcessIdentity(long uid, long gid, Set<Long> groups) {
  /** The identity, or CreateContainerConfigError when runAsNonRoot forbids it. */
  public static ProcessIdentity of(PodSpec pod, Container container, long imageUid, long imageGid)
      throws ContainerConfigException {
    PodSecurityContext podContext = pod.getSecurityContext();
    SecurityContext own = container.getSecurityContext();
    Long uid = own != null ? own.getRunAsUser() : null;
    if (uid == null && podContext != null) {
      uid = podContext.getRunAsUser();
    }
    if (uid == null) {
      uid = imageUid;
    }
    Long gid = own != null ? own.getRunAsGroup() : null;
    if (gid == null && podContext != null) {
      gid = podContext.getRunAsGroup();
    }
    if (gid == null) {
      gid = imageGid;
    }
    Boolean nonRoot = own != null ? own.getRunAsNonRoot() : null;
    if (nonRoot == null && podContext != null) {
      nonRoot = podContext.getRunAsNonRoot();
    }
    if (Boolean.TRUE.equals(nonRoot) && uid == 0) {
      // The kubelet's own words (kuberuntime verifyRunAsNonRoot).
      throw new ContainerConfigException(
          "CreateContainerConfigError",
          "container has runAsNonRoot and image will run as root (container: %s)"
              .formatted(container.getName()));
    }
    Set<Long> groups = new LinkedHashSet<>();
    groups.add(gid);
    if (podContext != null) {
      if (podContext.getFsGroup() != null) {
        groups.add(podContext.getFsGroup());
      }
      if (podContext.getSupplementalGroups() != null) {
        groups.addAll(podContext.getSupplementalGroups());
      }
    }
    return new ProcessIdentity(uid, gid, Set.copyOf(groups));
  }

  /**
   * The setpriv(1) prefix that runs a command as this identity with no capabilities; with {@code
   * noNewPrivileges} (allowPrivilegeEscalation: false) setuid binaries gain nothing.
   */
  public List<String> setpriv(boolean noNewPrivileges) {
    List<String> command = new ArrayList<>();
    command.add("setpriv");
    command.add("--reuid=" + uid);
    command.add("--regid=" + gid);
    command.add(
        "--groups="
            + groups.stream().sorted().map(String::valueOf).collect(Collectors.joining(",")));
    if (uid != 0) {
      command.add("--inh-caps=-all");
      command.add("--bounding-set=-all");
    }
    if (noNewPrivileges) {
      command.add("--no-new-privs");
    }
    command.add("--");
    return command;
  }
}
