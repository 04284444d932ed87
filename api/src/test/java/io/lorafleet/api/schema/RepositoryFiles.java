package io.lorafleet.api.schema;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's committed files (crds/, examples/, docs/) from any module's tests. */
public final class RepositoryFiles {
  private RepositoryFiles() {}

  public static Path root() {
    String configured = System.getProperty("lorafleet.root");
    Path start = Path.of(configured != null ? configured : "").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("crds")) && Files.isRegularFile(dir.resolve("mvnw"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "repository root (with crds/ and mvnw) not found from " + start);
  }

  public static Path crds() {
    return root().resolve("crds");
  }

  public static Path chartCrds() {
    return root().resolve("charts/lorafleet/crds");
  }

  public static Path examples() {
    return root().resolve("examples");
  }

  /** Set -Dlorafleet.update=true to rewrite generated files instead of failing on drift. */
  public static boolean updateRequested() {
    return Boolean.getBoolean("lorafleet.update");
  }
}
