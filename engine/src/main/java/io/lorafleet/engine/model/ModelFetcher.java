package io.lorafleet.engine.model;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.PlainDirectory;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Brings a model directory from object storage into a local cache keyed by its digest, so a pod
 * restart or a second model instance reads the same copy instead of downloading again. A published
 * version is verified against its manifest; a plain HF directory (uploaded without a manifest) is
 * named by the digest of its listing ({@link PlainDirectory}), as the operator names it.
 */
public final class ModelFetcher {
  private static final String PLAIN_COMPLETE = ".complete";
  private final ArtifactStore store;
  private final Path cacheRoot;

  public ModelFetcher(ArtifactStore store, Path cacheRoot) {
    this.store = store;
    this.cacheRoot = cacheRoot;
  }

  /** A model on local disk and the digest ("sha256:...") it was resolved to. */
  public record FetchedModel(Path dir, String digest) {}

  /**
   * The model at {@code uri}: the version it names (latest when it names none) or, when nothing is
   * published there, the plain HF directory with that prefix.
   *
   * @throws ObjectStoreException of kind NOT_FOUND when there is neither
   */
  public FetchedModel fetchModel(S3Uri uri) throws IOException {
    PublishedVersion version;
    try {
      version = store.manifest(uri);
    } catch (ObjectStoreException e) {
      if (e.kind() != ObjectStoreException.Kind.NOT_FOUND) {
        throw e;
      }
      return fetchPlain(uri);
    }
    return new FetchedModel(fetch(version.uri()), "sha256:" + version.digest());
  }

  private FetchedModel fetchPlain(S3Uri uri) throws IOException {
    ObjectStore objects = store.objects();
    String prefix = uri.prefix();
    List<ObjectInfo> listing = objects.list(uri.bucket(), prefix);
    if (listing.stream().noneMatch(o -> o.key().equals(prefix + "config.json"))) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.NOT_FOUND,
          "no published version and no config.json at " + uri,
          null);
    }
    String digest = PlainDirectory.listingDigest(listing, prefix);
    Path dir = cacheRoot.resolve("plain-" + digest);
    if (Files.exists(dir.resolve(PLAIN_COMPLETE))) {
      return new FetchedModel(dir, "sha256:" + digest);
    }
    Files.createDirectories(cacheRoot);
    Path partial = Files.createTempDirectory(cacheRoot, ".fetch-");
    try {
      for (ObjectInfo o : listing) {
        Path target = partial.resolve(o.key().substring(prefix.length())).normalize();
        if (!target.startsWith(partial) || target.equals(partial)) {
          continue; // a key that would escape the directory is not part of the model
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = objects.get(uri.bucket(), o.key())) {
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      // Written last: its presence means the copy is complete.
      Files.writeString(partial.resolve(PLAIN_COMPLETE), digest);
      Files.move(partial, dir);
    } catch (IOException | RuntimeException e) {
      deleteTree(partial);
      if (!Files.exists(dir.resolve(PLAIN_COMPLETE))) {
        throw e;
      }
    }
    return new FetchedModel(dir, "sha256:" + digest);
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
