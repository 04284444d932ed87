package io.lorafleet.engine.model;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Brings a model directory from object storage into a local cache keyed by its manifest digest
 * (verified by the artifacts store), so a pod restart or a second model instance reads the same
 * verified copy instead of downloading again.
 */
public final class ModelFetcher {
  private final ArtifactStore store;
  private final Path cacheRoot;

  public ModelFetcher(ArtifactStore store, Path cacheRoot) {
    this.store = store;
    this.cacheRoot = cacheRoot;
  }

  /** The local directory of the version {@code uri} names (latest when it names no digest). */
  public Path fetch(S3Uri uri) throws IOException {
    PublishedVersion v = store.manifest(uri);
    Path dir = cacheRoot.resolve(ArtifactStore.VERSION_PREFIX + v.digest());
    if (Files.exists(dir.resolve(ArtifactStore.MANIFEST))) {
      return dir; // the manifest is written last by pull, so its presence means complete
    }
    Files.createDirectories(cacheRoot); // a first fetch must not need a prepared cache
    Path partial = Files.createTempDirectory(cacheRoot, ".fetch-");
    try {
      store.pull(v.uri(), partial);
      Files.move(partial, dir);
    } catch (IOException | RuntimeException e) {
      deleteTree(partial);
      if (!Files.exists(dir.resolve(ArtifactStore.MANIFEST))) {
        throw e;
      }
      // Another fetch of the same digest won the race; its copy is equally verified.
    }
    return dir;
  }

  /** Removes a half-downloaded directory so failed fetches leave nothing behind. */
  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
