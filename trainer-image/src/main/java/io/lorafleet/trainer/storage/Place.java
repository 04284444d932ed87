package io.lorafleet.trainer.storage;

import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import java.nio.charset.StandardCharsets;

/**
 * A location the run reads or writes: an object store and a key prefix in it. An {@code s3://} URI
 * and a local directory look the same to the rest of the trainer.
 */
public record Place(ObjectStore store, S3Uri uri, String display) {

  public Place child(String name) {
    return new Place(
        store, uri.child(name), display.endsWith("/") ? display + name : display + "/" + name);
  }

  public String bucket() {
    return uri.bucket();
  }

  /** The key of a file directly under this place. */
  public String key(String name) {
    return uri.prefix() + name;
  }

  public void writeString(String name, String content) {
    store.putBytes(bucket(), key(name), content.getBytes(StandardCharsets.UTF_8));
  }

  public void writeBytes(String name, byte[] content) {
    store.putBytes(bucket(), key(name), content);
  }

  public boolean exists(String name) {
    return store.stat(bucket(), key(name)).isPresent();
  }

  public byte[] readBytes(String name) {
    return store.getBytes(bucket(), key(name));
  }

  @Override
  public String toString() {
    return display;
  }
}
