package io.lorafleet.testcluster.kubelet;

import java.util.List;
import java.util.function.Function;

/**
 * What an image would run, as a local command: the process runtime has no container engine, so a
 * test maps each image name it runs to one of these.
 *
 * @param uid the image's USER (0: root)
 * @param gid the image's group
 * @param command the whole command line (entrypoint and arguments) for a launch; {@link
 *     ProcessLaunch#args()} gives the container's arguments with container paths already local
 */
public record LocalImage(long uid, long gid, Function<ProcessLaunch, List<String>> command) {
  /** A launch as an image's entrypoint sees it. */
  public record ProcessLaunch(ContainerLaunch launch) {
    /** The container's args, their container paths replaced by local ones. */
    public List<String> args() {
      return launch.container().getArgs().stream().map(launch.paths()::translate).toList();
    }

    /** The container's command (empty when the image's entrypoint is to run), translated. */
    public List<String> command() {
      return launch.container().getCommand().stream().map(launch.paths()::translate).toList();
    }

    /** The local path of a container path (a mount, /tmp, or under one), or null. */
    public java.nio.file.Path local(String containerPath) {
      return launch.paths().local(containerPath);
    }

    public String podIP() {
      return launch.podIP();
    }
  }
}
