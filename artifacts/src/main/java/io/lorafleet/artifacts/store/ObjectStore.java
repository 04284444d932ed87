package io.lorafleet.artifacts.store;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The few object operations the artifact layout needs. Implementations retry transient failures
 * themselves and throw {@link ObjectStoreException} with a {@link ObjectStoreException.Kind}.
 */
public interface ObjectStore {

  /** Creates the bucket when it is missing and creation is allowed; fails otherwise. */
  void ensureBucket(String bucket);

  /** Uploads a file; multipart above the configured threshold. */
  void put(String bucket, String key, Path file);

  void putBytes(String bucket, String key, byte[] data);

  /** Opens an object for reading; the caller closes the stream. */
  InputStream get(String bucket, String key);

  byte[] getBytes(String bucket, String key);

  Optional<ObjectInfo> stat(String bucket, String key);

  /** Every object under {@code prefix}, recursively, in key order. */
  List<ObjectInfo> list(String bucket, String prefix);

  /** Server-side copy inside one bucket. */
  void copy(String bucket, String sourceKey, String targetKey);

  void delete(String bucket, List<String> keys);

  /** A multipart upload that was started but neither completed nor aborted. */
  record PendingUpload(String key, String uploadId, java.time.Instant initiated) {}

  /** Incomplete multipart uploads under {@code prefix} (invisible, but they hold storage). */
  List<PendingUpload> incompleteUploads(String bucket, String prefix);

  void abortUpload(String bucket, String key, String uploadId);
}
