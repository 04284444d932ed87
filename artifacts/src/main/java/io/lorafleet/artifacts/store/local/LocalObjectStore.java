package io.lorafleet.artifacts.store.local;

import io.lorafleet.artifacts.store.ObjectStoreConfig;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * The embedded default object store: S3Proxy on a loopback port with a filesystem backend under a
 * data directory. Clients talk to it with the same S3 code as to MinIO or AWS. S3Proxy is an
 * optional dependency of this module: applications that use this class declare {@code
 * org.gaul:s3proxy} themselves.
 */
public final class LocalObjectStore implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LocalObjectStore.class.getName());

  private final S3Proxy proxy;
  private final URI endpoint;
  private final S3Credentials credentials;
  private final Path dataDir;

  private LocalObjectStore(S3Proxy proxy, URI endpoint, S3Credentials creds, Path dataDir) {
    this.proxy = proxy;
    this.endpoint = endpoint;
    this.credentials = creds;
    this.dataDir = dataDir;
  }

  /** Starts with fresh random credentials (only this process can use the store). */
  public static LocalObjectStore start(Path dataDir) throws Exception {
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    return start(dataDir, new S3Credentials("lorafleet-local", HexFormat.of().formatHex(secret)));
  }

  public static LocalObjectStore start(Path dataDir, S3Credentials creds) throws Exception {
    Path dir = dataDir.toAbsolutePath();
    Files.createDirectories(dir);
    Properties props = new Properties();
    props.setProperty("jclouds.provider", "filesystem");
    props.setProperty("jclouds.filesystem.basedir", dir.toString());
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", props))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(
                AuthenticationType.AWS_V2_OR_V4, creds.accessKey(), creds.secretKey())
            .build();
    proxy.start();
    waitStarted(proxy);
    URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    LOG.log(Level.INFO, "local object store at {0}, data in {1}", endpoint, dir);
    return new LocalObjectStore(proxy, endpoint, creds, dir);
  }

  private static void waitStarted(S3Proxy proxy) throws IOException, InterruptedException {
    for (int i = 0; i < 500 && !"STARTED".equals(proxy.getState()); i++) {
      Thread.sleep(10);
    }
    if (!"STARTED".equals(proxy.getState())) {
      throw new IOException("S3Proxy did not start: state " + proxy.getState());
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  public Path dataDir() {
    return dataDir;
  }

  public S3Credentials credentials() {
    return credentials;
  }

  /** Path-style config for this store, bucket creation allowed. */
  public ObjectStoreConfig config() {
    return ObjectStoreConfig.of(endpoint, credentials);
  }

  public S3ObjectStore client() {
    return new S3ObjectStore(config());
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the local object store", e);
    }
  }
}
