package io.lorafleet.trainer.merge;

import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@link ObjectStore} over several clients, chosen by bucket: {@link MergeJob} takes a single
 * store, while merge.json gives each source and the output its own credentials. The first client
 * registered for a bucket serves it (the output's, registered first, since it must be able to
 * write).
 */
final class BucketRouter {
  private final Map<String, ObjectStore> byBucket = new HashMap<>();

  /** Returns false when the bucket was already routed to another client. */
  boolean route(String bucket, ObjectStore store) {
    ObjectStore existing = byBucket.putIfAbsent(bucket, store);
    return existing == null || existing == store;
  }

  ObjectStore store() {
    return new Routed();
  }

  private final class Routed implements ObjectStore {
    private ObjectStore of(String bucket) {
      ObjectStore s = byBucket.get(bucket);
      if (s == null) {
        throw new ObjectStoreException(
            ObjectStoreException.Kind.INVALID,
            "bucket " + bucket + " is not named in merge.json, so no credentials are known for it",
            null);
      }
      return s;
    }

    @Override
    public void ensureBucket(String bucket) {
      of(bucket).ensureBucket(bucket);
    }

    @Override
    public void put(String bucket, String key, Path file) {
      of(bucket).put(bucket, key, file);
    }

    @Override
    public void putBytes(String bucket, String key, byte[] data) {
      of(bucket).putBytes(bucket, key, data);
    }

    @Override
    public InputStream get(String bucket, String key) {
      return of(bucket).get(bucket, key);
    }

    @Override
    public byte[] getBytes(String bucket, String key) {
      return of(bucket).getBytes(bucket, key);
    }

    @Override
    public Optional<ObjectInfo> stat(String bucket, String key) {
      return of(bucket).stat(bucket, key);
    }

    @Override
    public List<ObjectInfo> list(String bucket, String prefix) {
      return of(bucket).list(bucket, prefix);
    }

    @Override
    public void copy(String bucket, String sourceKey, String targetKey) {
      of(bucket).copy(bucket, sourceKey, targetKey);
    }

    @Override
    public void delete(String bucket, List<String> keys) {
      of(bucket).delete(bucket, keys);
    }

    @Override
    public List<PendingUpload> incompleteUploads(String bucket, String prefix) {
      return of(bucket).incompleteUploads(bucket, prefix);
    }

    @Override
    public void abortUpload(String bucket, String key, String uploadId) {
      of(bucket).abortUpload(bucket, key, uploadId);
    }
  }
}
