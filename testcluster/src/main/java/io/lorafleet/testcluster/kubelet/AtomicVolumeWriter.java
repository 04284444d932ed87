package io.lorafleet.testcluster.kubelet;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes the files of a Secret, ConfigMap, downwardAPI or projected volume as the kubelet's
 * AtomicWriter does: the payload goes into a fresh timestamped directory {@code ..<time>}, the
 * symlink {@code ..data} is swapped to it by a rename (atomic), and each top-level name is a
 * symlink {@code name -> ..data/name}. A reader never sees half of an update.
 *
 * <p>Files are owned by root with group {@code gid} (the fsGroup, else 0); directories get the
 * setgid bit with an fsGroup, as {@code SetVolumeOwnership} leaves them.
 */
final class AtomicVolumeWriter {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.SSSSSSSSS");

  /** One file of the payload: its bytes and mode. */
  record Payload(byte[] content, int mode) {}

  private AtomicVolumeWriter() {}

  static void write(Path volume, Map<String, Payload> payload, Long fsGroup) throws IOException {
    long gid = fsGroup == null ? 0 : fsGroup;
    int dirMode = fsGroup == null ? 0755 : 02755;
    Files.createDirectories(volume);
    FileOwnership.chown(volume, 0, gid);
    FileOwnership.chmod(volume, dirMode);
    Path stamped = volume.resolve(".." + LocalDateTime.now().format(STAMP));
    Files.createDirectory(stamped);
    for (Map.Entry<String, Payload> entry : payload.entrySet()) {
      Path file = stamped.resolve(entry.getKey());
      for (Path dir = file.getParent(); !dir.equals(stamped); dir = dir.getParent()) {
        if (!Files.isDirectory(dir)) {
          Files.createDirectories(dir);
        }
      }
      Files.write(file, entry.getValue().content());
      FileOwnership.chown(file, 0, gid);
      FileOwnership.chmod(file, entry.getValue().mode());
    }
    try (Stream<Path> dirs = Files.walk(stamped)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        FileOwnership.chown(dir, 0, gid);
        FileOwnership.chmod(dir, dirMode);
      }
    }
    Path previous =
        Files.isSymbolicLink(volume.resolve("..data"))
            ? volume.resolve(Files.readSymbolicLink(volume.resolve("..data")))
            : null;
    Path swap = volume.resolve("..data_tmp");
    Files.deleteIfExists(swap);
    Files.createSymbolicLink(swap, stamped.getFileName());
    Files.move(swap, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    Set<String> topLevel = new HashSet<>();
    for (String path : payload.keySet()) {
      topLevel.add(path.split("/", 2)[0]);
    }
    for (String name : topLevel) {
      try {
        Files.createSymbolicLink(volume.resolve(name), Path.of("..data", name));
      } catch (FileAlreadyExistsException e) {
        // already linked: it follows ..data
      }
    }
    try (Stream<Path> entries = Files.list(volume)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (!name.startsWith("..") && !topLevel.contains(name)) {
          Files.delete(entry); // a key the new payload no longer has
        }
      }
    }
    if (previous != null && !previous.equals(stamped)) {
      deleteTree(previous);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
