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
 */
final class PodFilesystem {
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

  static PodFilesystem materialize(
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
          Files.writeString(dir.resolve(e.getKey()), fs.translate(e.getValue()));
        }
      } else if (volume.getSecret() != null) {
        Secret secret =
            client
                .secrets()
                .inNamespace(namespace)
                .withName(volume.getSecret().getSecretName())
                .require();
        for (Map.Entry<String, String> e : SecretValues.of(secret).entrySet()) {
          Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
        }
      } else if (volume.getEmptyDir() == null) {
        throw new IllegalArgumentException("volume type not emulated: " + volume);
      }
    }
    return fs;
  }

  private static Volume volume(PodSpec pod, String name) {
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
  Path local(String containerPath) {
    return mounts.get(containerPath);
  }
}
