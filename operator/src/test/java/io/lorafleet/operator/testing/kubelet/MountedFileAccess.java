package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may read a Secret or ConfigMap file in a pod, as a real kubelet writes them: owner root,
 * group root, or the pod's {@code fsGroup} when set; mode {@code items[].mode}, else {@code
 * defaultMode}, else 0644; with an fsGroup the kubelet also ORs in group read (0440, these volumes
 * are read-only; {@code SetVolumeOwnership}). The container's process runs as {@code runAsUser}
 * (container over pod), else as its image's USER, with primary group {@code runAsGroup} and the
 * fsGroup and supplementalGroups as extra groups.
 */
public final class MountedFileAccess {
  private static final int DEFAULT_MODE = 0644;

  private MountedFileAccess() {}

  /** The process identity of a container; imageUsers gives each image's USER uid:gid. */
  public record Identity(long uid, long gid, Set<Long> groups) {}

  /** A file as the kubelet leaves it. */
  public record File(String volume, String key, long owner, long group, int mode) {}

  /**
   * The identity a container runs as; null when neither the pod spec nor {@code imageUsers} says
   * (the image's USER decides, which the operator cannot know).
   */
  public static Identity identity(
      PodSpec pod, Container container, Map<String, long[]> imageUsers) {
    PodSecurityContext podContext = pod.getSecurityContext();
    SecurityContext own = container.getSecurityContext();
    long[] image = imageUsers.get(container.getImage());
    Long uid = own != null ? own.getRunAsUser() : null;
    if (uid == null && podContext != null) {
      uid = podContext.getRunAsUser();
    }
    if (uid == null && image != null) {
      uid = image[0];
    }
    if (uid == null) {
      return null;
    }
    Long gid = own != null ? own.getRunAsGroup() : null;
    if (gid == null && podContext != null) {
      gid = podContext.getRunAsGroup();
    }
    if (gid == null) {
      gid = image != null ? image[1] : 0L;
    }
    Set<Long> groups = new HashSet<>();
    groups.add(gid);
    if (podContext != null) {
      if (podContext.getFsGroup() != null) {
        groups.add(podContext.getFsGroup());
      }
      if (podContext.getSupplementalGroups() != null) {
        groups.addAll(podContext.getSupplementalGroups());
      }
    }
    return new Identity(uid, gid, groups);
  }

  /** The file the kubelet writes for {@code key} of a Secret or ConfigMap volume. */
  public static File file(PodSpec pod, Volume volume, String key) {
    Integer defaultMode;
    List<KeyToPath> items;
    if (volume.getSecret() != null) {
      defaultMode = volume.getSecret().getDefaultMode();
      items = volume.getSecret().getItems();
    } else if (volume.getConfigMap() != null) {
      defaultMode = volume.getConfigMap().getDefaultMode();
      items = volume.getConfigMap().getItems();
    } else {
      throw new IllegalArgumentException("not a Secret or ConfigMap volume: " + volume.getName());
    }
    int mode = defaultMode != null ? defaultMode : DEFAULT_MODE;
    if (items != null) {
      for (KeyToPath item : items) {
        if (item.getKey().equals(key) && item.getMode() != null) {
          mode = item.getMode();
        }
      }
    }
    Long fsGroup = pod.getSecurityContext() == null ? null : pod.getSecurityContext().getFsGroup();
    if (fsGroup != null) {
      mode |= 0440;
    }
    return new File(volume.getName(), key, 0, fsGroup != null ? fsGroup : 0, mode & 0777);
  }

  /** Unix read permission of {@code file} for {@code who}. */
  public static boolean readable(File file, Identity who) {
    if (who.uid() == 0) {
      return true;
    }
    if (who.uid() == file.owner()) {
      return (file.mode() & 0400) != 0;
    }
    if (who.groups().contains(file.group())) {
      return (file.mode() & 0040) != 0;
    }
    return (file.mode() & 0004) != 0;
  }

  /**
   * Every Secret or ConfigMap file some container mounts but cannot read, as "container: volume/key
   * (mode, owner:group, process uid:gid)"; the keys come from {@code keysOf(volume)}.
   */
  public static List<String> unreadable(
      PodSpec pod,
      Map<String, long[]> imageUsers,
      java.util.function.Function<Volume, Set<String>> keysOf) {
    List<String> problems = new ArrayList<>();
    for (Container container : pod.getContainers()) {
      Identity who = identity(pod, container, imageUsers);
      for (VolumeMount mount : container.getVolumeMounts()) {
        Volume volume =
            pod.getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
        if (volume.getSecret() == null && volume.getConfigMap() == null) {
          continue;
        }
        if (who == null) {
          problems.add(
              container.getName()
                  + ": no runAsUser and an image of unknown USER, cannot tell who reads "
                  + volume.getName());
          continue;
        }
        for (String key : keysOf.apply(volume)) {
          File file = file(pod, volume, key);
          if (!readable(file, who)) {
            problems.add(
                "%s: %s/%s mode %o owner %d:%d unreadable by %d:%d groups %s"
                    .formatted(
                        container.getName(),
                        volume.getName(),
                        key,
                        file.mode(),
                        file.owner(),
                        file.group(),
                        who.uid(),
                        who.gid(),
                        who.groups()));
          }
        }
      }
    }
    return problems;
  }
}
