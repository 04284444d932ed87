package io.lorafleet.server.model;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.server.config.StoreEnvironment;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The pod's object store, created on first use from its own environment credentials, so a server
 * that only reads local directories needs no S3 settings.
 */
@ApplicationScoped
public class ObjectStorage {
  private S3ObjectStore client;
  private ArtifactStore store;

  public synchronized ArtifactStore store() throws IOException {
    if (store == null) {
      client = new S3ObjectStore(StoreEnvironment.from(ConfigProvider.getConfig()));
      store = new ArtifactStore(client, RetryPolicy.defaults());
    }
    return store;
  }

  @PreDestroy
  synchronized void close() {
    if (client != null) {
      client.close();
    }
  }
}
