package io.lorafleet.server.residency;

import io.lorafleet.artifacts.ArtifactFormatException;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.InvalidS3UriException;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.model.ModelFetcher;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.model.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a {@code lora_path} into a verified local directory: an {@code s3://} version is fetched by
 * digest into the cache directory with the pod's own credentials (every file's sha256 checked
 * against the manifest, the manifest against the digest in the path); a local directory with a
 * manifest is checked the same way; a plain local directory gets the digest of its listing.
 */
@ApplicationScoped
public class ArtifactResolver {
  private static final Pattern VERSION_DIR = Pattern.compile("sha256-([0-9a-f]{64})/?$");

  private final ServerConfig config;
  private final ObjectStorage storage;
  private final List<S3Uri> s3Roots;

  ArtifactResolver(ServerConfig config, ObjectStorage storage) {
    this.config = config;
    this.storage = storage;
    this.s3Roots =
        config.adapterS3Roots().orElse(List.of()).stream().map(ObjectPathPolicy::root).toList();
  }

  /** The digest a path names ({@code .../sha256-<hex>/}), if it names one. */
  public static Optional<String> namedDigest(String path) {
    Matcher m = VERSION_DIR.matcher(path);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * Resolves an admin API path; {@code confined}: local directories only under the adapter roots,
   * object-store versions only under the adapter S3 roots (start-up {@code --adapter} paths come
   * from the pod's own command line and are not confined).
   */
  public ResolvedArtifact resolve(String path, boolean confined) throws AdapterLoadException {
    if (path == null || path.isBlank()) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_path is required");
    }
    if (S3Uri.isS3(path)) {
      checkObjectPath(path, confined); // before any request to the store
      return fetch(path);
    }
    Path dir = LocalPathPolicy.parse(path);
    if (confined) {
      dir = LocalPathPolicy.confine(dir, config.adapterRoots().orElse(List.of()), path);
    }
    return local(dir, path);
  }

  /**
   * Refuses an admin {@code s3://} path that is not plain or lies outside the adapter S3 roots; on
   * the string alone, so a load may call it before anything else (even an idempotent answer).
   */
  public void checkObjectPath(String path, boolean confined) throws AdapterLoadException {
    if (confined && path != null && S3Uri.isS3(path)) {
      ObjectPathPolicy.confine(path, s3Roots);
    }
  }

  private ResolvedArtifact fetch(String path) throws AdapterLoadException {
    try {
      S3Uri uri = S3Uri.parse(path);
      Path dir =
          new ModelFetcher(storage.store(), config.cacheDir().resolve("adapters")).fetch(uri);
      String digest = dir.getFileName().toString().substring(ArtifactStore.VERSION_PREFIX.length());
      return new ResolvedArtifact(dir, digest);
    } catch (ObjectStoreException e) {
      throw switch (e.kind()) {
        case NOT_FOUND -> AdapterLoadException.refused("ArtifactNotFound", e.getMessage());
        case DIGEST_MISMATCH -> AdapterLoadException.refused("DigestMismatch", e.getMessage());
        case INVALID -> AdapterLoadException.refused("ArtifactNotFound", e.getMessage());
        case ACCESS_DENIED -> new AdapterLoadException("AccessDenied", 502, e.getMessage());
        default -> new AdapterLoadException("ObjectStoreUnavailable", 503, e.getMessage());
      };
    } catch (ArtifactFormatException e) {
      throw AdapterLoadException.refused("InvalidArtifact", e.getMessage());
    } catch (InvalidS3UriException e) {
      throw AdapterLoadException.refused("InvalidRequest", e.getMessage());
    } catch (IOException e) {
      throw new AdapterLoadException("ObjectStoreUnavailable", 503, e.getMessage());
    }
  }

  /**
   * Checks a verified directory again before its bytes are read back (host-tier refill after
   * eviction): files changed on disk since the load must not be served under the old digest.
   */
  public static void reverify(Path dir, String digest) throws AdapterLoadException {
    String now = local(dir, dir.toString()).digest();
    if (!now.equals(digest)) {
      throw AdapterLoadException.refused(
          "DigestMismatch",
          dir + " changed since it was loaded: sha256 " + now + ", loaded as " + digest);
    }
  }

  private static ResolvedArtifact local(Path dir, String path) throws AdapterLoadException {
    if (!Files.isDirectory(dir)) {
      throw AdapterLoadException.refused("ArtifactNotFound", path + " is not a directory");
    }
    LocalPathPolicy.noLinksOut(dir, path);
    Optional<String> named = namedDigest(path);
    Path manifestFile = dir.resolve(ArtifactStore.MANIFEST);
    try {
      if (!Files.exists(manifestFile)) {
        if (named.isPresent()) {
          throw AdapterLoadException.refused(
              "ArtifactNotFound", path + " names a version but has no " + ArtifactStore.MANIFEST);
        }
        LocalPathPolicy.smallWithoutManifest(dir, path);
        return new ResolvedArtifact(
            dir, Sha256.hex(ArtifactStore.manifestOf(dir, Map.of()).toBytes()));
      }
      byte[] bytes = Files.readAllBytes(manifestFile);
      String digest = Sha256.hex(bytes);
      if (named.isPresent() && !named.get().equals(digest)) {
        throw AdapterLoadException.refused(
            "DigestMismatch",
            "manifest of " + path + " has sha256 " + digest + ", the path names " + named.get());
      }
      for (Manifest.Entry e : Manifest.parse(bytes).files()) {
        Path f = dir.resolve(e.path()).normalize();
        if (!f.startsWith(dir) || !Files.isRegularFile(f)) {
          throw AdapterLoadException.refused(
              "ArtifactNotFound", "file '" + e.path() + "' of the manifest is missing");
        }
        String sha = Sha256.hex(f);
        if (Files.size(f) != e.size() || !sha.equals(e.sha256())) {
          throw AdapterLoadException.refused(
              "DigestMismatch",
              "file '" + e.path() + "' has sha256 " + sha + ", the manifest says " + e.sha256());
        }
      }
      return new ResolvedArtifact(dir, digest);
    } catch (ArtifactFormatException e) {
      throw AdapterLoadException.refused("InvalidArtifact", e.getMessage());
    } catch (IOException e) {
      throw AdapterLoadException.refused("ArtifactNotFound", e.getMessage());
    }
  }
}
