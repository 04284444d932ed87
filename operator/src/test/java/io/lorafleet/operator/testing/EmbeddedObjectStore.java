package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.lorafleet.artifacts.store.ObjectStoreConfig;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * A real S3 server (S3Proxy with a filesystem backend) on loopback for operator tests, with a
 * Secret pointing at it. {@link #stop()} and {@link #restart()} make a real outage: the server goes
 * away and comes back on the same port with the same data, so the endpoint the operator was given
 * works again without any change to Secrets or resources.
 */
public final class EmbeddedObjectStore implements AutoCloseable {
  /** Recognisable, so log and status scans can look for it. */
  public static final String SECRET_KEY = "s3cr3t-never-in-logs-4c1d";

  private static final S3Credentials CREDENTIALS = new S3Credentials("lorafleet-test", SECRET_KEY);

  private final Path dir;
  private final int port;
  private S3Proxy proxy;

  private EmbeddedObjectStore(Path dir, S3Proxy proxy) {
    this.dir = dir;
    this.proxy = proxy;
    this.port = proxy.getPort();
  }

  public static EmbeddedObjectStore start() throws Exception {
    Path dir = Files.createTempDirectory("s3");
    return new EmbeddedObjectStore(dir, startProxy(dir, 0));
  }

  private static S3Proxy startProxy(Path dir, int port) throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.provider", "filesystem");
    props.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", props))
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(
                AuthenticationType.AWS_V2_OR_V4, CREDENTIALS.accessKey(), CREDENTIALS.secretKey())
            .build();
    proxy.start();
    for (int i = 0; i < 500 && !"STARTED".equals(proxy.getState()); i++) {
      Thread.sleep(10);
    }
    if (!"STARTED".equals(proxy.getState())) {
      throw new IOException("S3Proxy did not start: state " + proxy.getState());
    }
    return proxy;
  }

  /** The outage: the server stops listening; connections are refused until {@link #restart()}. */
  public synchronized void stop() throws Exception {
    proxy.stop();
  }

  /** The store comes back on the same port with the same data. */
  public synchronized void restart() throws Exception {
    proxy = startProxy(dir, port);
  }

  public S3ObjectStore client() {
    return new S3ObjectStore(ObjectStoreConfig.of(URI.create(endpoint()), CREDENTIALS));
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** A credentials Secret as users write it, pointing at this store (or at another endpoint). */
  public Secret credentialsSecret(String namespace, String name, String endpoint) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToStringData(ObjectStoreAccess.ACCESS_KEY, CREDENTIALS.accessKey())
        .addToStringData(ObjectStoreAccess.SECRET_KEY, SECRET_KEY)
        .addToStringData(ObjectStoreAccess.ENDPOINT, endpoint)
        .build();
  }

  @Override
  public synchronized void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the object store", e);
    }
  }
}
