package io.lorafleet.operator.storage;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.artifacts.store.InvalidObjectStoreConfigException;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreConfig;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Object-store clients for the Secrets that resources reference. The Secret is read by name (the
 * operator may get but not list or watch Secrets); its values go into the client and nowhere else.
 */
@ApplicationScoped
public class ObjectStoreAccess {
  public static final String ACCESS_KEY = S3Credentials.ACCESS_KEY_ENV;
  public static final String SECRET_KEY = S3Credentials.SECRET_KEY_ENV;
  public static final String ENDPOINT = "AWS_ENDPOINT_URL";
  public static final String REGION = "AWS_REGION";

  /** Short: the reconciler's own retry with back-off handles longer outages. */
  private static final RetryPolicy RETRY =
      new RetryPolicy(2, Duration.ofMillis(100), Duration.ofMillis(500));

  private final KubernetesClient client;
  private final OperatorConfig config;

  public ObjectStoreAccess(KubernetesClient client, OperatorConfig config) {
    this.client = client;
    this.config = config;
  }

  /**
   * One client per distinct configuration (endpoint, region, credentials), reused across
   * reconciles: building a MinIO client parses the system's CA certificates and starts a connection
   * pool, which at one client per artifact lookup dominated the operator's CPU with a thousand
   * adapters (and leaked the pools). The Secret is still read on every call, so rotated credentials
   * make a new key and a new client.
   */
  private final Map<ObjectStoreConfig, S3ObjectStore> clients =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectStoreConfig, S3ObjectStore> eldest) {
          if (size() <= MAX_CLIENTS) {
            return false;
          }
          // A call still running on it fails as a transient error and is retried.
          eldest.getValue().close();
          return true;
        }
      };

  private static final int MAX_CLIENTS = 32;

  public ObjectStore open(String namespace, SecretReference credentials) throws StorageFailure {
    ObjectStoreConfig config = configFor(namespace, credentials);
    synchronized (clients) {
      return clients.computeIfAbsent(config, S3ObjectStore::new);
    }
  }

  @PreDestroy
  void closeClients() {
    synchronized (clients) {
      clients.values().forEach(S3ObjectStore::close);
      clients.clear();
    }
  }

  ObjectStoreConfig configFor(String namespace, SecretReference credentials) throws StorageFailure {
    if (credentials == null) {
      throw new StorageFailure(
          StorageProblem.OBJECT_STORE_NOT_CONFIGURED,
          "no credentialsSecretRef given; ambient cloud credentials are not supported yet");
    }
    Secret secret = client.secrets().inNamespace(namespace).withName(credentials.name()).get();
    if (secret == null) {
      throw new StorageFailure(
          StorageProblem.CREDENTIALS_SECRET_NOT_FOUND,
          "Secret " + credentials.name() + " not found in namespace " + namespace);
    }
    String accessKey = value(secret, ACCESS_KEY).orElseThrow(() -> missingKey(secret, ACCESS_KEY));
    String secretKey = value(secret, SECRET_KEY).orElseThrow(() -> missingKey(secret, SECRET_KEY));
    String endpoint =
        value(secret, ENDPOINT)
            .or(config::defaultS3Endpoint)
            .orElseThrow(
                () ->
                    new StorageFailure(
                        StorageProblem.OBJECT_STORE_NOT_CONFIGURED,
                        "Secret "
                            + credentials.name()
                            + " has no "
                            + ENDPOINT
                            + " and the operator has no default S3 endpoint"));
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new StorageFailure(
          StorageProblem.OBJECT_STORE_NOT_CONFIGURED,
          ENDPOINT + " in Secret " + credentials.name() + " is not a URL");
    }
    if (!allowed(uri)) {
      throw new StorageFailure(
          StorageProblem.ENDPOINT_NOT_ALLOWED,
          "the endpoint "
              + EndpointAllowList.origin(uri)
              + " in Secret "
              + credentials.name()
              + " is not one the operator may connect to (its allowed object-store endpoints,"
              + " objectStore.allowedEndpoints in the chart)");
    }
    ObjectStoreConfig defaults = ObjectStoreConfig.of(uri, new S3Credentials(accessKey, secretKey));
    try {
      return new ObjectStoreConfig(
          defaults.endpoint(),
          value(secret, REGION).orElse(config.defaultS3Region()),
          defaults.pathStyle(),
          defaults.credentials(),
          false,
          defaults.multipartThreshold(),
          defaults.partSize(),
          RETRY,
          Optional.empty());
    } catch (InvalidObjectStoreConfigException e) {
      throw new StorageFailure(StorageProblem.OBJECT_STORE_NOT_CONFIGURED, e.getMessage());
    }
  }

  /** The operator's own default endpoint, or one on the allow-list. */
  private boolean allowed(URI endpoint) {
    EndpointAllowList list = new EndpointAllowList(config.allowedS3Endpoints().orElse(List.of()));
    if (list.allowsAll() || list.allows(endpoint)) {
      return true;
    }
    return config
        .defaultS3Endpoint()
        .map(
            d -> EndpointAllowList.origin(URI.create(d)).equals(EndpointAllowList.origin(endpoint)))
        .orElse(false);
  }

  private static StorageFailure missingKey(Secret secret, String key) {
    return new StorageFailure(
        StorageProblem.CREDENTIALS_SECRET_NOT_FOUND,
        "Secret " + secret.getMetadata().getName() + " has no key " + key);
  }

  private static Optional<String> value(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    if (data != null && data.get(key) != null) {
      return Optional.of(
          new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8).trim());
    }
    Map<String, String> stringData = secret.getStringData();
    return stringData == null ? Optional.empty() : Optional.ofNullable(stringData.get(key));
  }
}
