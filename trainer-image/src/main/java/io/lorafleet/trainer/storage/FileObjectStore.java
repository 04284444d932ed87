package io.lorafleet.trainer.storage;

import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.ObjectStoreException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The local file system as an {@link ObjectStore}, so a laptop run uses the same code paths as a
 * pod (progress, checkpoints, publishing through the artifacts {@code ArtifactStore}): the one
 * bucket {@value #BUCKET} maps key {@code a/b/c} to {@code <root>/a/b/c}. Every write goes to a
 * temporary file in the same directory and is moved into place, so a reader sees whole files only.
 */
public final class FileObjectStore implements ObjectStore {
  public static final String BUCKET = "local";

  private final Path root;

  public FileObjectStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  private Path file(String bucket, String key) {
    if (!BUCKET.equals(bucket)) {
      throw new ObjectStoreException(Kind.INVALID, "local store has no bucket " + bucket, null);
    }
    Path p = root.resolve(key).normalize();
    if (!p.startsWith(root)) {
      throw new ObjectStoreException(Kind.INVALID, "key escapes the store: " + key, null);
    }
    return p;
  }

  @Override
  public void ensureBucket(String bucket) {
    file(bucket, "");
  }

  @Override
  public void put(String bucket, String key, Path source) {
    write(file(bucket, key), tmp -> Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING));
  }

  @Override
  public void putBytes(String bucket, String key, byte[] data) {
    write(file(bucket, key), tmp -> Files.write(tmp, data));
  }

  private interface Writer {
    void to(Path tmp) throws IOException;
  }

  private static void write(Path target, Writer writer) {
    try {
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
      try {
        writer.to(tmp);
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw failure("write " + target, e);
    }
  }

  @Override
  public InputStream get(String bucket, String key) {
    try {
      return Files.newInputStream(file(bucket, key));
    } catch (IOException e) {
      throw failure("read " + key, e);
    }
  }

  @Override
  public byte[] getBytes(String bucket, String key) {
    try {
      return Files.readAllBytes(file(bucket, key));
    } catch (IOException e) {
      throw failure("read " + key, e);
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String bucket, String key) {
    Path p = file(bucket, key);
    if (!Files.isRegularFile(p)) {
      return Optional.empty();
    }
    try {
      return Optional.of(info(p));
    } catch (IOException e) {
      throw failure("stat " + key, e);
    }
  }

  @Override
  public List<ObjectInfo> list(String bucket, String prefix) {
    Path base = file(bucket, prefix);
    Path dir = prefix.isEmpty() || prefix.endsWith("/") ? base : base.getParent();
    List<ObjectInfo> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        ObjectInfo o = info(p);
        if (o.key().startsWith(prefix) && !p.getFileName().toString().endsWith(".part")) {
          out.add(o);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw failure("list " + prefix, e instanceof UncheckedIOException u ? u.getCause() : e);
    }
    out.sort(Comparator.comparing(ObjectInfo::key));
    return out;
  }

  private ObjectInfo info(Path p) throws IOException {
    String key = root.relativize(p).toString().replace('\\', '/');
    return new ObjectInfo(key, Files.size(p), Files.getLastModifiedTime(p).toInstant());
  }

  @Override
  public void copy(String bucket, String sourceKey, String targetKey) {
    Path source = file(bucket, sourceKey);
    write(
        file(bucket, targetKey),
        tmp -> Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING));
  }

  @Override
  public void delete(String bucket, List<String> keys) {
    for (String k : keys) {
      try {
        Files.deleteIfExists(file(bucket, k));
      } catch (IOException e) {
        throw failure("delete " + k, e);
      }
    }
  }

  @Override
  public List<PendingUpload> incompleteUploads(String bucket, String prefix) {
    return List.of();
  }

  @Override
  public void abortUpload(String bucket, String key, String uploadId) {}

  private static ObjectStoreException failure(String what, Throwable e) {
    Kind kind = e instanceof NoSuchFileException ? Kind.NOT_FOUND : Kind.PERMANENT;
    return new ObjectStoreException(kind, "cannot " + what + ": " + e.getMessage(), e);
  }
}
