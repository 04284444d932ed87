package io.lorafleet.operator.storage;

import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.artifacts.ArtifactFormatException;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.PlainDirectory;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.Sha256;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Reads a base model's config.json from object storage. A published version (manifest.json) is
 * verified against its digest; a plain HF directory gets the digest of its listing.
 */
@ApplicationScoped
public class ModelSourceResolver {
  private static final RetryPolicy RETRY =
      new RetryPolicy(2, Duration.ofMillis(100), Duration.ofMillis(500));

  private final ObjectStoreAccess access;

  public ModelSourceResolver(ObjectStoreAccess access) {
    this.access = access;
  }

  /**
   * @throws StorageFailure for what the user must fix
   * @throws ObjectStoreException of kind TRANSIENT when the store is unreachable (retry)
   */
  public ResolvedModel resolve(String namespace, ArtifactSource source) throws StorageFailure {
    S3Uri uri = ArtifactUris.parse(source.uri());
    ObjectStore store = access.open(namespace, source.credentialsSecretRef());
    try {
      ResolvedModel model = readPublished(store, uri);
      if (model == null) {
        model = readPlainDirectory(store, uri);
      }
      if (source.digest() != null && !source.digest().equals(model.digest())) {
        throw new StorageFailure(
            StorageProblem.DIGEST_MISMATCH,
            source.uri() + " has digest " + model.digest() + ", spec pins " + source.digest());
      }
      return model;
    } catch (ObjectStoreException e) {
      throw Storage.permanentOrRethrow(e);
    } catch (ArtifactFormatException e) {
      throw new StorageFailure(StorageProblem.INVALID_CONTENT, e.getMessage());
    }
  }

  /** The newest published version at the URI, or null when it is a plain directory. */
  private static ResolvedModel readPublished(ObjectStore store, S3Uri uri) throws StorageFailure {
    ArtifactStore artifacts = new ArtifactStore(store, RETRY);
    PublishedVersion version;
    try {
      version = artifacts.manifest(uri);
    } catch (ObjectStoreException e) {
      if (e.kind() == ObjectStoreException.Kind.NOT_FOUND) {
        return null;
      }
      throw e;
    }
    Manifest.Entry entry =
        version.manifest().files().stream()
            .filter(f -> f.path().equals(ModelConfigParser.FILE_NAME))
            .findFirst()
            .orElseThrow(
                () ->
                    new StorageFailure(
                        StorageProblem.NOT_FOUND,
                        version.uri() + " has no " + ModelConfigParser.FILE_NAME));
    byte[] bytes = store.getBytes(version.uri().bucket(), version.uri().prefix() + entry.path());
    if (!Sha256.hex(bytes).equals(entry.sha256())) {
      throw new StorageFailure(
          StorageProblem.DIGEST_MISMATCH,
          ModelConfigParser.FILE_NAME + " of " + version.uri() + " does not match its manifest");
    }
    return new ResolvedModel("sha256:" + version.digest(), ModelConfigParser.parse(bytes));
  }

  private static ResolvedModel readPlainDirectory(ObjectStore store, S3Uri uri)
      throws StorageFailure {
    if (store.stat(uri.bucket(), uri.prefix() + ModelConfigParser.FILE_NAME).isEmpty()) {
      throw new StorageFailure(
          StorageProblem.NOT_FOUND,
          "no " + ModelConfigParser.FILE_NAME + " and no published version at " + uri);
    }
    byte[] config = store.getBytes(uri.bucket(), uri.prefix() + ModelConfigParser.FILE_NAME);
    String digest =
        PlainDirectory.listingDigest(store.list(uri.bucket(), uri.prefix()), uri.prefix());
    return new ResolvedModel("sha256:" + digest, ModelConfigParser.parse(config));
  }
}
