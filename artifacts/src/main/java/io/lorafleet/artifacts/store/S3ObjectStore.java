package io.lorafleet.artifacts.store;

import io.lorafleet.artifacts.store.ObjectStoreException.Kind;
import io.minio.AbortMultipartUploadArgs;
import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.ListMultipartUploadsArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.messages.Item;
import io.minio.messages.ListMultipartUploadsResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/** {@link ObjectStore} on the MinIO Java SDK: MinIO, AWS S3, S3Proxy and other S3 servers. */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
  private final ObjectStoreConfig config;
  private final MinioClient client;
  // Multipart listing and abort are only on the async client in MinIO SDK 9.
  private final MinioAsyncClient asyncClient;
  private final Retrier retrier;

  public S3ObjectStore(ObjectStoreConfig config) {
    this.config = config;
    this.retrier = new Retrier(config.retry());
    MinioClient.Builder b =
        MinioClient.builder()
            .endpoint(config.endpoint().toString())
            .region(config.region())
            .credentials(config.credentials().accessKey(), config.credentials().secretKey());
    MinioAsyncClient.Builder ab =
        MinioAsyncClient.builder()
            .endpoint(config.endpoint().toString())
            .region(config.region())
            .credentials(config.credentials().accessKey(), config.credentials().secretKey());
    config
        .caBundle()
        .ifPresent(
            ca -> {
              OkHttpClient http = httpClientTrusting(ca);
              b.httpClient(http, true);
              ab.httpClient(http, true);
            });
    this.client = b.build();
    this.asyncClient = ab.build();
    if (config.pathStyle()) {
      client.disableVirtualStyleEndpoint();
      asyncClient.disableVirtualStyleEndpoint();
    } else {
      client.enableVirtualStyleEndpoint();
      asyncClient.enableVirtualStyleEndpoint();
    }
  }

  /** An HTTP client that trusts the CAs of a PEM bundle (private MinIO with its own CA). */
  private static OkHttpClient httpClientTrusting(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new IllegalArgumentException("CA bundle " + pem + " holds no certificate");
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
      return new OkHttpClient.Builder().sslSocketFactory(ctx.getSocketFactory(), tm).build();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot load CA bundle " + pem + ": " + e.getMessage(), e);
    }
  }

  public ObjectStoreConfig config() {
    return config;
  }

  @Override
  public void ensureBucket(String bucket) {
    boolean exists =
        retrier.call(
            "check bucket " + bucket,
            () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
    if (exists) {
      return;
    }
    if (!config.createBucket()) {
      throw new ObjectStoreException(
          Kind.NOT_FOUND, "bucket " + bucket + " does not exist and creation is not allowed", null);
    }
    retrier.run(
        "create bucket " + bucket,
        () -> {
          client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
          return null;
        });
  }

  @Override
  public void put(String bucket, String key, Path file) {
    retrier.run(
        "upload s3://" + bucket + "/" + key,
        () -> {
          long size = Files.size(file);
          try (InputStream in = Files.newInputStream(file)) {
            client.putObject(
                PutObjectArgs.builder().bucket(bucket).object(key).stream(in, size, partSize(size))
                    .build());
          }
          return null;
        });
  }

  /** One part up to the threshold; above it, parts of the configured size (max 10,000). */
  long partSize(long size) {
    if (size <= config.multipartThreshold()) {
      return Math.max(size, ObjectStoreConfig.MIN_PART_SIZE);
    }
    long atLeast = (size + 9_999) / 10_000;
    return Math.max(config.partSize(), atLeast);
  }

  @Override
  public void putBytes(String bucket, String key, byte[] data) {
    retrier.run(
        "upload s3://" + bucket + "/" + key,
        () ->
            client.putObject(
                PutObjectArgs.builder()
                    .bucket(bucket)
                    .object(key)
                    .data(data, data.length)
                    .build()));
  }

  @Override
  public InputStream get(String bucket, String key) {
    return retrier.call(
        "download s3://" + bucket + "/" + key,
        () -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
  }

  @Override
  public byte[] getBytes(String bucket, String key) {
    return retrier.call(
        "download s3://" + bucket + "/" + key,
        () -> {
          try (InputStream in =
              client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return in.readAllBytes();
          }
        });
  }

  @Override
  public Optional<ObjectInfo> stat(String bucket, String key) {
    try {
      StatObjectResponse r =
          retrier.call(
              "stat s3://" + bucket + "/" + key,
              () -> client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build()));
      return Optional.of(new ObjectInfo(key, r.size(), r.lastModified().toInstant()));
    } catch (ObjectStoreException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<ObjectInfo> list(String bucket, String prefix) {
    return retrier.call(
        "list s3://" + bucket + "/" + prefix,
        () -> {
          List<ObjectInfo> out = new ArrayList<>();
          for (Result<Item> r :
              client.listObjects(
                  ListObjectsArgs.builder()
                      .bucket(bucket)
                      .prefix(prefix)
                      .recursive(true)
                      .build())) {
            Item i = r.get();
            if (!i.isDir()) {
              out.add(new ObjectInfo(i.objectName(), i.size(), i.lastModified().toInstant()));
            }
          }
          return out;
        });
  }

  @Override
  public void copy(String bucket, String sourceKey, String targetKey) {
    retrier.run(
        "copy s3://" + bucket + "/" + sourceKey + " to " + targetKey,
        () ->
            client.copyObject(
                CopyObjectArgs.builder()
                    .bucket(bucket)
                    .object(targetKey)
                    .source(SourceObject.builder().bucket(bucket).object(sourceKey).build())
                    .build()));
  }

  @Override
  public void delete(String bucket, List<String> keys) {
    for (String key : keys) {
      retrier.run(
          "delete s3://" + bucket + "/" + key,
          () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
          });
    }
  }

  @Override
  public List<PendingUpload> incompleteUploads(String bucket, String prefix) {
    return retrier.call(
        "list incomplete uploads s3://" + bucket + "/" + prefix,
        () -> {
          List<PendingUpload> out = new ArrayList<>();
          String keyMarker = null;
          String uploadIdMarker = null;
          while (true) {
            ListMultipartUploadsResult r =
                asyncClient
                    .listMultipartUploads(
                        ListMultipartUploadsArgs.builder()
                            .bucket(bucket)
                            .prefix(prefix)
                            .keyMarker(keyMarker)
                            .uploadIdMarker(uploadIdMarker)
                            .build())
                    .get()
                    .result();
            for (ListMultipartUploadsResult.Upload u : r.uploads()) {
              out.add(new PendingUpload(u.objectName(), u.uploadId(), u.initiated().toInstant()));
            }
            if (!r.isTruncated()) {
              return out;
            }
            keyMarker = r.nextKeyMarker();
            uploadIdMarker = r.nextUploadIdMarker();
          }
        });
  }

  @Override
  public void abortUpload(String bucket, String key, String uploadId) {
    retrier.run(
        "abort upload s3://" + bucket + "/" + key,
        () ->
            asyncClient
                .abortMultipartUpload(
                    AbortMultipartUploadArgs.builder()
                        .bucket(bucket)
                        .object(key)
                        .uploadId(uploadId)
                        .build())
                .get());
  }

  @Override
  public void close() {
    try {
      client.close();
      asyncClient.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not close the S3 client", e);
    }
  }
}
