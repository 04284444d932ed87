package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real S3 server (S3Proxy) on loopback for operator tests, with a Secret pointing at it. */
public final class EmbeddedObjectStore implements AutoCloseable {
  /** Recognisable, so log and status scans can look for it. */
  public static final String SECRET_KEY = "s3cr3t-never-in-logs-4c1d";

  private final LocalObjectStore store;

  private EmbeddedObjectStore(LocalObjectStore store) {
    this.store = store;
  }

  public static EmbeddedObjectStore start() throws Exception {
    Path dir = Files.createTempDirectory("s3");
    return new EmbeddedObjectStore(
        LocalObjectStore.start(dir, new S3Credentials("lorafleet-test", SECRET_KEY)));
  }

  public S3ObjectStore client() {
    return store.client();
  }

  public String endpoint() {
    return store.endpoint().toString();
  }

  /** A credentials Secret as users write it, pointing at this store (or at another endpoint). */
  public Secret credentialsSecret(String namespace, String name, String endpoint) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToStringData(ObjectStoreAccess.ACCESS_KEY, "lorafleet-test")
        .addToStringData(ObjectStoreAccess.SECRET_KEY, SECRET_KEY)
        .addToStringData(ObjectStoreAccess.ENDPOINT, endpoint)
        .build();
  }

  @Override
  public void close() {
    store.close();
  }
}
