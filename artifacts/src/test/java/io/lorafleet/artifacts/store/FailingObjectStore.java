package io.lorafleet.artifacts.store;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Delegates to a real store but dies like a killed process after N uploads or before publish. */
final class FailingObjectStore implements ObjectStore {
  private final ObjectStore delegate;
  private final int putsBeforeDeath;
  private final boolean dieBeforeManifest;
  private final AtomicInteger puts = new AtomicInteger();

  FailingObjectStore(ObjectStore delegate, int putsBeforeDeath, boolean dieBeforeManifest) {
    this.delegate = delegate;
    this.putsBeforeDeath = putsBeforeDeath;
    this.dieBeforeManifest = dieBeforeManifest;
  }

  static final class Killed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Killed(String at) {
      super("simulated kill at " + at);
    }
  }

  @Override
  public void ensureBucket(String bucket) {
    delegate.ensureBucket(bucket);
  }

  @Override
  public void put(String bucket, String key, Path file) {
    if (puts.incrementAndGet() > putsBeforeDeath) {
      throw new Killed(key);
    }
    delegate.put(bucket, key, file);
  }

  @Override
  public void putBytes(String bucket, String key, byte[] data) {
    if (dieBeforeManifest) {
      throw new Killed(key);
    }
    delegate.putBytes(bucket, key, data);
  }

  @Override
  public InputStream get(String bucket, String key) {
    return delegate.get(bucket, key);
  }

  @Override
  public byte[] getBytes(String bucket, String key) {
    return delegate.getBytes(bucket, key);
  }

  @Override
  public Optional<ObjectInfo> stat(String bucket, String key) {
    return delegate.stat(bucket, key);
  }

  @Override
  public List<ObjectInfo> list(String bucket, String prefix) {
    return delegate.list(bucket, prefix);
  }

  @Override
  public void copy(String bucket, String sourceKey, String targetKey) {
    delegate.copy(bucket, sourceKey, targetKey);
  }

  @Override
  public void delete(String bucket, List<String> keys) {
    delegate.delete(bucket, keys);
  }

  @Override
  public List<PendingUpload> incompleteUploads(String bucket, String prefix) {
    return delegate.incompleteUploads(bucket, prefix);
  }

  @Override
  public void abortUpload(String bucket, String key, String uploadId) {
    delegate.abortUpload(bucket, key, uploadId);
  }
}
