package io.lorafleet.testcluster.kubelet;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Container paths to local paths. A child process has no mount namespace, so what a container would
 * find at a mount path (say {@code /etc/x/f}) the process finds under the volume's local directory;
 * the process runtime rewrites arguments, environment values and ConfigMap text with this, longest
 * mount path first.
 */
public final class PathTranslator {
  private final Map<String, Path> mounts = new LinkedHashMap<>();
  private final Pattern pattern;

  /** Container path to local path; the longest match wins. */
  public PathTranslator(Map<String, Path> mounts) {
    mounts.entrySet().stream()
        .sorted(
            Comparator.comparingInt((Map.Entry<String, Path> e) -> e.getKey().length()).reversed())
        .forEach(e -> this.mounts.put(stripSlash(e.getKey()), e.getValue()));
    StringBuilder alternatives = new StringBuilder();
    for (String path : this.mounts.keySet()) {
      alternatives.append(alternatives.isEmpty() ? "" : "|").append(Pattern.quote(path));
    }
    // Only where a whole path starts (not inside another path or word), and in one pass, so a
    // replacement is never translated again (a local directory may itself be under /tmp).
    this.pattern =
        this.mounts.isEmpty()
            ? null
            : Pattern.compile("(?<![\\w./-])(" + alternatives + ")(?=/|$|[^\\w.-])");
  }

  private static String stripSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** The text with every container mount path replaced by its local path. */
  public String translate(String text) {
    if (pattern == null || text == null) {
      return text;
    }
    return pattern
        .matcher(text)
        .replaceAll(m -> Matcher.quoteReplacement(mounts.get(m.group(1)).toString()));
  }

  /** The local path of a container path that is a mount or under one; null when neither. */
  public Path local(String containerPath) {
    String path = stripSlash(containerPath);
    for (Map.Entry<String, Path> mount : mounts.entrySet()) {
      if (path.equals(mount.getKey())) {
        return mount.getValue();
      }
      if (path.startsWith(mount.getKey() + "/")) {
        return mount.getValue().resolve(path.substring(mount.getKey().length() + 1));
      }
    }
    return null;
  }

  /**
   * The paths of a container: each volumeMount (with its subPath) to the volume's directory, the
   * terminationMessagePath to {@code containerDir/termination-log}, and /tmp, when no volume is
   * mounted there, to the container's own root file system ({@code containerDir/rootfs/tmp}).
   */
  static PathTranslator forContainer(
      io.fabric8.kubernetes.api.model.Container container, Path volumes, Path containerDir) {
    Map<String, Path> mounts = new LinkedHashMap<>();
    for (var mount : container.getVolumeMounts()) {
      Path local = volumes.resolve(mount.getName());
      if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
        local = local.resolve(mount.getSubPath());
      }
      mounts.put(mount.getMountPath(), local);
    }
    String message =
        container.getTerminationMessagePath() == null
            ? "/dev/termination-log"
            : container.getTerminationMessagePath();
    mounts.put(message, containerDir.resolve("termination-log"));
    if (!mounts.containsKey("/tmp")) {
      mounts.put("/tmp", containerDir.resolve("rootfs/tmp"));
    }
    return new PathTranslator(mounts);
  }
}
