package io.lorafleet.trainer.model;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.model.ModelFetcher;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.storage.Place;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

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
    ModelFetcher fetcher =
        new ModelFetcher(new ArtifactStore(source.store(), RetryPolicy.defaults()), cacheRoot);
    try {
      ModelFetcher.FetchedModel model = fetcher.fetchModel(source.uri());
      return new LocalModel(model.dir(), model.digest());
    } catch (ObjectStoreException e) {
      if (e.kind() == ObjectStoreException.Kind.NOT_FOUND) {
        throw TrainerFailure.badInput(NOT_FOUND, e.getMessage());
      }
      throw e;
    }
  }
}
