package io.lorafleet.testcluster.kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Memory limits as the kernel enforces them for a container runtime: each container with a memory
 * limit runs in a cgroup of its own whose limit is the container's ({@code memory.limit_in_bytes}
 * with cgroup v1, {@code memory.max} with v2; swap is not allowed, as on a kubelet without swap),
 * so a process that grows beyond it is killed by the kernel's OOM killer and the container is
 * reported OOMKilled ({@code oom_kill} counted in {@code memory.oom_control} or {@code
 * memory.events}), as containerd reports it.
 *
 * <p>With cgroup v1 the containers' cgroups go under this JVM's own memory cgroup; with v2 under a
 * cgroup of this kubelet at the hierarchy's root (a v2 cgroup with processes, as this JVM's, cannot
 * hand controllers to children). Both need root and a writable cgroup file system: {@link
 * #unavailable()} says why not otherwise.
 */
final class MemoryCgroups {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  private final Path parent;
  private final boolean v2;

  private MemoryCgroups(Path parent, boolean v2) {
    this.parent = parent;
    this.v2 = v2;
  }

  /** This kubelet's cgroups, created now; empty with the reason in {@link #unavailable()}. */
  static Optional<MemoryCgroups> create() {
    try {
      MemoryCgroups cgroups = createOrFail();
      Runtime.getRuntime().addShutdownHook(new Thread(cgroups::close, "kubelet-cgroups"));
      return Optional.of(cgroups);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Why memory limits cannot be enforced here, or null when they can. */
  static String unavailable() {
    try {
      createOrFail().close();
      return null;
    } catch (IOException | RuntimeException e) {
      return "no writable cgroup memory controller under " + ROOT + ": " + e.getMessage();
    }
  }

  private static MemoryCgroups createOrFail() throws IOException {
    String name = "lorafleet-kubelet-" + UUID.randomUUID().toString().substring(0, 8);
    Path v1 = ROOT.resolve("memory");
    if (Files.isRegularFile(v1.resolve("memory.limit_in_bytes"))) {
      Path own = v1.resolve(ownPath(":memory:"));
      return new MemoryCgroups(Files.createDirectory(own.resolve(name)), false);
    }
    Path controllers = ROOT.resolve("cgroup.controllers");
    if (Files.isRegularFile(controllers)
        && List.of(Files.readString(controllers).trim().split(" ")).contains("memory")) {
      enableMemory(ROOT);
      Path parent = Files.createDirectory(ROOT.resolve(name));
      enableMemory(parent);
      return new MemoryCgroups(parent, true);
    }
    throw new IOException("neither a cgroup v1 memory hierarchy nor cgroup v2 with memory");
  }

  private static void enableMemory(Path cgroup) throws IOException {
    Path control = cgroup.resolve("cgroup.subtree_control");
    if (!Files.readString(control).contains("memory")) {
      Files.writeString(control, "+memory");
    }
  }

  /** This process's cgroup path in the hierarchy whose /proc/self/cgroup line contains marker. */
  private static String ownPath(String marker) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      int at = line.indexOf(marker);
      if (at >= 0) {
        return line.substring(at + marker.length()).replaceFirst("^/", "");
      }
    }
    throw new IOException("this process is in no memory cgroup (/proc/self/cgroup)");
  }

  /** A new cgroup limited to {@code limitBytes}, for one run of a container. */
  Cgroup limited(long limitBytes) throws IOException {
    Path dir = Files.createDirectory(parent.resolve(UUID.randomUUID().toString()));
    String limit = Long.toString(limitBytes);
    if (v2) {
      Files.writeString(dir.resolve("memory.max"), limit);
      Files.writeString(dir.resolve("memory.swap.max"), "0");
      Files.writeString(dir.resolve("memory.oom.group"), "1"); // the whole container, as runc
    } else {
      Files.writeString(dir.resolve("memory.limit_in_bytes"), limit);
      Path swap = dir.resolve("memory.memsw.limit_in_bytes");
      if (Files.exists(swap)) {
        Files.writeString(swap, limit); // memory + swap = memory: no swap
      }
    }
    return new Cgroup(dir, v2);
  }

  /** Removes this kubelet's cgroup (its containers' ones must be removed first). */
  void close() {
    try {
      Files.deleteIfExists(parent);
    } catch (IOException e) {
      // a container's cgroup still holds a process: the kernel keeps it until that one exits
    }
  }

  /** One container run's cgroup. */
  record Cgroup(Path dir, boolean v2) {
    /** The file a process writes its PID into to join. */
    Path procs() {
      return dir.resolve("cgroup.procs");
    }

    /** How many times the OOM killer killed a process of this cgroup. */
    long oomKills() {
      Path file = dir.resolve(v2 ? "memory.events" : "memory.oom_control");
      try {
        for (String line : Files.readAllLines(file)) {
          if (line.startsWith("oom_kill ")) {
            return Long.parseLong(line.substring("oom_kill ".length()).trim());
          }
        }
      } catch (IOException | NumberFormatException e) {
        return 0;
      }
      return 0;
    }

    /** Kills what is left in it (a container's processes end with it) and removes it. */
    void remove() {
      try {
        if (v2 && Files.exists(dir.resolve("cgroup.kill"))) {
          Files.writeString(dir.resolve("cgroup.kill"), "1");
        } else {
          for (String pid : Files.readAllLines(procs())) {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
          }
        }
        for (int i = 0; i < 50 && !Files.readString(procs()).isBlank(); i++) {
          Thread.sleep(20);
        }
        Files.deleteIfExists(dir);
      } catch (IOException | RuntimeException e) {
        // left for the kernel; the directory is empty of processes soon after
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
