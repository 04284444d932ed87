package io.lorafleet.server.residency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where an admin load may read local adapter bytes: only inside the configured adapter roots
 * ({@code --adapter-root}; none configured means the admin API reads no local directory), with
 * every file of the adapter directory resolving inside the directory itself (no symlink out), and a
 * directory without {@code manifest.json} only when small (its listing is hashed to a digest; an
 * arbitrary directory such as {@code /root} took minutes).
 */
final class LocalPathPolicy {
  /** A directory without manifest holds a PEFT adapter: a config, weights, perhaps a README. */
  static final int MAX_FILES_WITHOUT_MANIFEST = 16;

  private LocalPathPolicy() {}

  /** The real directory {@code path} names; refuses a NUL or an unparsable path cleanly. */
  static Path parse(String path) throws AdapterLoadException {
    if (path.indexOf('\0') >= 0) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_path contains a NUL character");
    }
    try {
      return Path.of(path).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_path is not a valid path");
    }
  }

  /** Refuses a directory outside every root (compared as real paths, so links do not escape). */
  static Path confine(Path dir, List<Path> roots, String path) throws AdapterLoadException {
    if (roots.isEmpty()) {
      throw AdapterLoadException.refused(
          "PathNotAllowed",
          "local lora_path is disabled on this server (no --adapter-root); use an s3:// version");
    }
    Path real = real(dir, path);
    for (Path root : roots) {
      Path r;
      try {
        r = root.toRealPath();
      } catch (IOException e) {
        continue; // a configured root that does not exist holds nothing
      }
      if (real.startsWith(r)) {
        return real;
      }
    }
    throw AdapterLoadException.refused(
        "PathNotAllowed", path + " is outside the server's adapter roots");
  }

  /** Every entry under {@code dir} must resolve inside {@code dir}. */
  static void noLinksOut(Path dir, String path) throws AdapterLoadException {
    Path real = real(dir, path);
    try (Stream<Path> files = Files.walk(real)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isSymbolicLink(f) && !f.toRealPath().startsWith(real)) {
          throw AdapterLoadException.refused(
              "PathNotAllowed",
              "'" + real.relativize(f) + "' in " + path + " links outside the adapter directory");
        }
      }
    } catch (IOException e) {
      throw AdapterLoadException.refused(
          "PathNotAllowed", path + " has an entry that cannot be resolved");
    }
  }

  /** Bounds the listing that a directory without manifest is hashed from. */
  static void smallWithoutManifest(Path dir, String path) throws AdapterLoadException {
    try (Stream<Path> files = Files.walk(dir, 3)) {
      long n = files.limit(MAX_FILES_WITHOUT_MANIFEST + 2L).count() - 1; // minus dir itself
      if (n > MAX_FILES_WITHOUT_MANIFEST) {
        throw AdapterLoadException.refused(
            "InvalidArtifact",
            path
                + " has no manifest.json and more than "
                + MAX_FILES_WITHOUT_MANIFEST
                + " entries; publish it (lorafleet push) or add a manifest");
      }
    } catch (IOException e) {
      throw AdapterLoadException.refused("ArtifactNotFound", path + " cannot be listed");
    }
  }

  private static Path real(Path dir, String path) throws AdapterLoadException {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      throw AdapterLoadException.refused("ArtifactNotFound", path + " is not a directory");
    }
  }
}
