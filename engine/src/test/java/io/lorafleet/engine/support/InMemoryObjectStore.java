package io.lorafleet.engine.support;

import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An object store in a map, counting reads, for tests of code that sits on ArtifactStore. */
public final class InMemoryObjectStore implements ObjectStore {
  private final Map<String, byte[]> objects = new ConcurrentSkipListMap<>();
  private final AtomicInteger gets = new AtomicInteger();

  public int gets() {
    return gets.get();
  }

  @Override
  public void ensureBucket(String bucket) {}

  @Override
  public void put(String bucket, String key, Path file) {
    try {
      objects.put(bucket + "/" + key, Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void putBytes(String bucket, String key, byte[] data) {
    objects.put(bucket + "/" + key, data.clone());
  }

  @Override
  public InputStream get(String bucket, String key) {
    return new ByteArrayInputStream(getBytes(bucket, key));
  }

  @Override
  public byte[] getBytes(String bucket, String key) {
    gets.incrementAndGet();
    byte[] b = objects.get(bucket + "/" + key);
    if (b == null) {
      throw new IllegalStateException("no object " + bucket + "/" + key);
    }
    return b.clone();
  }

  @Override
  public Optional<ObjectInfo> stat(String bucket, String key) {
    return Optional.ofNullable(objects.get(bucket + "/" + key))
        .map(b -> new ObjectInfo(key, b.length, Instant.EPOCH));
  }

  @Override
  public List<ObjectInfo> list(String bucket, String prefix) {
    return objects.entrySet().stream()
        .filter(e -> e.getKey().startsWith(bucket + "/" + prefix))
        .map(
            e ->
                new ObjectInfo(
                    e.getKey().substring(bucket.length() + 1), e.getValue().length, Instant.EPOCH))
        .toList();
  }

  @Override
  public void copy(String bucket, String sourceKey, String targetKey) {
    objects.put(bucket + "/" + targetKey, objects.get(bucket + "/" + sourceKey));
  }

  @Override
  public void delete(String bucket, List<String> keys) {
    keys.forEach(k -> objects.remove(bucket + "/" + k));
  }

  @Override
  public List<PendingUpload> incompleteUploads(String bucket, String prefix) {
    return List.of();
  }

  @Override
  public void abortUpload(String bucket, String key, String uploadId) {}
}
