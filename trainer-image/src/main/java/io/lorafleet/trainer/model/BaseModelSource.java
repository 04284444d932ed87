package io.lorafleet.trainer.model;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.model.ModelFetcher;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.storage.Place;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Brings the base model to a local directory and names its digest, the way the operator resolved it
 * (so the pin in trainer.json can be checked): a published version (manifest.json) is fetched and
 * verified by the engine's {@link ModelFetcher}, digest = its manifest's; a plain HF directory in
 * object storage is downloaded whole, digest = sha256 of its listing (key, size, modification
 * time), as the operator computes it; a local directory's digest is that of the manifest its files
 * would have when published.
 */
public final class BaseModelSource {
  public static final String NOT_FOUND = "BaseModelNotFound";
  public static final String DIGEST_MISMATCH = "DigestMismatch";

  private BaseModelSource() {}

  /** A model directory on disk and its digest ("sha256:..."). */
  public record LocalModel(Path dir, String digest) {}

  public static LocalModel fetch(Place source, Optional<Path> local, String pin, Path cacheRoot)
      throws TrainerFailure, IOException {
    LocalModel model = local.isPresent() ? local(local.get()) : remote(source, cacheRoot);
    if (!Files.isRegularFile(model.dir().resolve("config.json"))) {
      throw TrainerFailure.badInput(NOT_FOUND, "no config.json in the base model at " + source);
    }
    if (pin != null && !pin.isBlank() && !pin.equals(model.digest())) {
      throw TrainerFailure.badInput(
          DIGEST_MISMATCH,
          "base model " + source + " has digest " + model.digest() + ", the config pins " + pin);
    }
    return model;
  }

  private static LocalModel local(Path dir) throws TrainerFailure, IOException {
    if (!Files.isDirectory(dir)) {
      throw TrainerFailure.badInput(NOT_FOUND, "base model directory " + dir + " does not exist");
    }
    Path manifest = dir.resolve(ArtifactStore.MANIFEST);
    String digest =
        Files.isRegularFile(manifest)
            ? Sha256.hex(Files.readAllBytes(manifest))
            : ArtifactStore.manifestOf(dir, Map.of()).digest();
    return new LocalModel(dir, "sha256:" + digest);
  }

  private static LocalModel remote(Place source, Path cacheRoot)
      throws TrainerFailure, IOException {
    ArtifactStore artifacts = new ArtifactStore(source.store(), RetryPolicy.defaults());
    PublishedVersion version;
    try {
      version = artifacts.manifest(source.uri());
    } catch (ObjectStoreException e) {
      if (e.kind() != ObjectStoreException.Kind.NOT_FOUND
          && e.kind() != ObjectStoreException.Kind.INVALID) {
        throw e;
      }
      return plain(source, cacheRoot);
    }
    Path dir = new ModelFetcher(artifacts, cacheRoot).fetch(version.uri());
    return new LocalModel(dir, "sha256:" + version.digest());
  }

  private static LocalModel plain(Place source, Path cacheRoot) throws TrainerFailure, IOException {
    String prefix = source.uri().prefix();
    List<ObjectInfo> objects = source.store().list(source.bucket(), prefix);
    if (objects.stream().noneMatch(o -> o.key().equals(prefix + "config.json"))) {
      throw TrainerFailure.badInput(
          NOT_FOUND, "no config.json and no published version at " + source);
    }
    StringBuilder listing = new StringBuilder();
    for (ObjectInfo o : objects) {
      listing
          .append(o.key().substring(prefix.length()))
          .append('\t')
          .append(o.size())
          .append('\t')
          .append(o.lastModified())
          .append('\n');
    }
    String digest = Sha256.hex(listing.toString().getBytes(StandardCharsets.UTF_8));
    Path dir = cacheRoot.resolve("plain-" + digest);
    Path done = dir.resolve(".complete");
    if (Files.exists(done)) {
      return new LocalModel(dir, "sha256:" + digest);
    }
    Files.createDirectories(cacheRoot);
    Path partial = Files.createTempDirectory(cacheRoot, ".fetch-");
    try {
      for (ObjectInfo o : objects) {
        Path target = partial.resolve(o.key().substring(prefix.length())).normalize();
        if (!target.startsWith(partial)) {
          continue; // a key that would escape the directory is not part of a model
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = source.store().get(source.bucket(), o.key())) {
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.writeString(partial.resolve(".complete"), digest);
      Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteTree(partial);
    }
    return new LocalModel(dir, "sha256:" + digest);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
