package io.lorafleet.operator.storage;

import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.artifacts.ArtifactFormatException;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.AdapterConfigParser;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.SafetensorsHeader;
import io.lorafleet.artifacts.safetensors.SafetensorsHeaderParser;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.Sha256;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * Reads what the compatibility check needs from a published adapter version: its manifest (for the
 * digest), adapter_config.json (verified against the manifest) and only the header of
 * adapter_model.safetensors, never the weights.
 */
@ApplicationScoped
public class AdapterArtifactResolver {
  private static final RetryPolicy RETRY =
      new RetryPolicy(2, Duration.ofMillis(100), Duration.ofMillis(500));

  private final ObjectStoreAccess access;

  public AdapterArtifactResolver(ObjectStoreAccess access) {
    this.access = access;
  }

  public ResolvedAdapter resolve(String namespace, ArtifactSource source) throws StorageFailure {
    S3Uri uri = ArtifactUris.parse(source.uri());
    ObjectStore store = access.open(namespace, source.credentialsSecretRef());
    try {
      PublishedVersion version = published(new ArtifactStore(store, RETRY), uri);
      String digest = "sha256:" + version.digest();
      if (source.digest() != null && !source.digest().equals(digest)) {
        throw new StorageFailure(
            StorageProblem.DIGEST_MISMATCH,
            source.uri() + " has digest " + digest + ", spec pins " + source.digest());
      }
      Manifest.Entry configEntry = entry(version, AdapterConfigParser.FILE_NAME);
      byte[] configBytes =
          store.getBytes(version.uri().bucket(), version.uri().prefix() + configEntry.path());
      if (!Sha256.hex(configBytes).equals(configEntry.sha256())) {
        throw new StorageFailure(
            StorageProblem.DIGEST_MISMATCH,
            AdapterConfigParser.FILE_NAME
                + " of "
                + version.uri()
                + " does not match its manifest");
      }
      AdapterConfig config = AdapterConfigParser.parse(configBytes);
      Manifest.Entry weights = entry(version, PeftAdapterReader.WEIGHTS_FILE);
      SafetensorsHeader header = header(store, version.uri(), weights);
      return new ResolvedAdapter(
          version.uri(),
          digest,
          config,
          List.copyOf(header.tensors().values()),
          version.manifest().totalSize(),
          version.manifest().lineage());
    } catch (ObjectStoreException e) {
      throw Storage.permanentOrRethrow(e);
    } catch (ArtifactFormatException e) {
      throw new StorageFailure(StorageProblem.INVALID_CONTENT, e.getMessage());
    }
  }

  /** Deletes the version {@code digest} of the artifact (deleteArtifactOnRemoval). */
  public void delete(String namespace, ArtifactSource source, String digest) throws StorageFailure {
    ObjectStore store = access.open(namespace, source.credentialsSecretRef());
    try {
      new ArtifactStore(store, RETRY).delete(S3Uri.parse(Versions.directory(source.uri(), digest)));
    } catch (ObjectStoreException e) {
      if (e.kind() != ObjectStoreException.Kind.NOT_FOUND) {
        throw Storage.permanentOrRethrow(e);
      }
    }
  }

  private static PublishedVersion published(ArtifactStore artifacts, S3Uri uri)
      throws StorageFailure {
    try {
      return artifacts.manifest(uri);
    } catch (ObjectStoreException e) {
      if (e.kind() == ObjectStoreException.Kind.NOT_FOUND) {
        throw new StorageFailure(
            StorageProblem.NOT_FOUND,
            "no published adapter version at "
                + uri
                + " (publish a PEFT directory with: lorafleet push DIR "
                + uri
                + ")");
      }
      throw e;
    }
  }

  private static Manifest.Entry entry(PublishedVersion version, String file) throws StorageFailure {
    return version.manifest().files().stream()
        .filter(f -> f.path().equals(file))
        .findFirst()
        .orElseThrow(
            () -> new StorageFailure(StorageProblem.NOT_FOUND, version.uri() + " has no " + file));
  }

  private static SafetensorsHeader header(
      ObjectStore store, S3Uri version, Manifest.Entry weights) {
    try (InputStream in = store.get(version.bucket(), version.prefix() + weights.path())) {
      byte[] prefix = in.readNBytes(8);
      long length = SafetensorsHeaderParser.headerLength(prefix, weights.size());
      byte[] json = in.readNBytes((int) length);
      return SafetensorsHeaderParser.parse(json, weights.size());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
