package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pod's volumes on the local disk: ConfigMaps and Secrets written as files, emptyDirs as
 * directories, each under {@code root/<volume>}. A child process has no mount namespace, so the
 * container paths it is given (arguments and mounted config files) are translated to these
 * directories, longest mount path first: what a container sees at {@code /etc/x/f} the process
 * finds at {@code root/<volume>/f}.
 *
 * <p>Secret and ConfigMap files get the mode a real kubelet gives them ({@link MountedFileAccess}:
 * root-owned, {@code defaultMode}/{@code items[].mode}, group read with an fsGroup). The child
 * process does not run as the container's UID, so a file that UID could not read is written empty
 * with mode 000: the process meets what the container would, an unreadable credential.
 */
public final class PodFilesystem {
  /**
   * Who the stand-ins' processes are when the pod spec does not say: the images they run are ours
   * (server-image and trainer-image declare USER 10001:10001).
   */
  private static final long[] IMAGE_USER = {10001, 10001};

  private final Map<String, Path> mounts = new LinkedHashMap<>();

  private PodFilesystem() {}

  /** Mounts given directly (container path to local directory), for tests of the translation. */
  static PodFilesystem of(Map<String, Path> mounts) {
    PodFilesystem fs = new PodFilesystem();
    mounts.entrySet().stream()
        .sorted(
            Comparator.comparingInt((Map.Entry<String, Path> e) -> e.getKey().length()).reversed())
        .forEach(e -> fs.mounts.put(e.getKey(), e.getValue()));
    return fs;
  }

  public static PodFilesystem materialize(
      KubernetesClient client, String namespace, PodSpec pod, Container container, Path root)
      throws IOException {
    PodFilesystem fs = new PodFilesystem();
    List<VolumeMount> byLength = new ArrayList<>(container.getVolumeMounts());
    byLength.sort(Comparator.comparingInt((VolumeMount m) -> m.getMountPath().length()).reversed());
    for (VolumeMount mount : byLength) {
      fs.mounts.put(mount.getMountPath(), Files.createDirectories(root.resolve(mount.getName())));
    }
    for (VolumeMount mount : container.getVolumeMounts()) {
      Volume volume = volume(pod, mount.getName());
      Path dir = fs.mounts.get(mount.getMountPath());
      if (volume.getConfigMap() != null) {
        ConfigMap map =
            client
                .configMaps()
                .inNamespace(namespace)
                .withName(volume.getConfigMap().getName())
                .require();
        for (Map.Entry<String, String> e : map.getData().entrySet()) {
          // Config files name other mounts (credential directories): translate those too.
          writeAsKubelet(pod, container, volume, dir, e.getKey(), fs.translate(e.getValue()));
        }
      } else if (volume.getSecret() != null) {
        Secret secret =
            client
                .secrets()
                .inNamespace(namespace)
                .withName(volume.getSecret().getSecretName())
                .require();
        for (Map.Entry<String, String> e : SecretValues.of(secret).entrySet()) {
          writeAsKubelet(pod, container, volume, dir, e.getKey(), e.getValue());
        }
      } else if (volume.getEmptyDir() == null) {
        throw new IllegalArgumentException("volume type not emulated: " + volume);
      }
    }
    return fs;
  }

  /**
   * Writes (or rewrites, as the kubelet refreshes a changed Secret) one file of a Secret or
   * ConfigMap volume with the kubelet's mode; its content is withheld when the container's user
   * could not read it. True when the container can read it.
   */
  public static boolean writeAsKubelet(
      PodSpec pod, Container container, Volume volume, Path dir, String key, String content)
      throws IOException {
    MountedFileAccess.File file = MountedFileAccess.file(pod, volume, key);
    MountedFileAccess.Identity who =
        MountedFileAccess.identity(pod, container, Map.of(container.getImage(), IMAGE_USER));
    boolean readable = MountedFileAccess.readable(file, who);
    Path path = dir.resolve(key);
    Files.deleteIfExists(path);
    Files.writeString(path, readable ? content : "", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(path, permissions(readable ? file.mode() : 0));
    return readable;
  }

  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> set =
        java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
    java.nio.file.attribute.PosixFilePermission[] bits =
        java.nio.file.attribute.PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }

  static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no volume " + name + " in the pod"));
  }

  /**
   * The text with every container mount path replaced by its local directory, in one pass (a
   * replacement is never translated again, e.g. when the local directory is itself under /tmp) and
   * only where a whole path starts (not inside another path or word).
   */
  String translate(String text) {
    if (mounts.isEmpty()) {
      return text;
    }
    StringBuilder alternatives = new StringBuilder();
    for (String path : mounts.keySet()) { // longest first
      alternatives.append(alternatives.isEmpty() ? "" : "|").append(Pattern.quote(path));
    }
    Pattern mount = Pattern.compile("(?<![\\w./-])(" + alternatives + ")(?=/|$|[^\\w.-])");
    return mount
        .matcher(text)
        .replaceAll(m -> Matcher.quoteReplacement(mounts.get(m.group(1)).toString()));
  }

  /** The local directory of the mount at exactly this container path, or null. */
  public Path local(String containerPath) {
    return mounts.get(containerPath);
  }
}
