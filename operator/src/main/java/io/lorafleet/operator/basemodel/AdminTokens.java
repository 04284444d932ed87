package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.reconcile.Owners;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bearer token shared by the operator and a pool's admin API. Created once (a random value
 * cannot be a desired state recomputed each reconcile), owned by the BaseModel so it goes with it.
 * Looked up by name: the operator may get and create Secrets, not list or watch them.
 */
@ApplicationScoped
public class AdminTokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final KubernetesClient client;

  /** Tokens never change once created: one GET per BaseModel, not one per adapter reconcile. */
  private final Map<String, String> byModelUid = new ConcurrentHashMap<>();

  /**
   * When each model's Secret was last seen to exist. A BaseModel is reconciled after every load on
   * its pool (for its capacity), so looking the Secret up each time cost one GET per load; once a
   * minute still recreates a Secret someone deleted.
   */
  private final Map<String, Instant> seenByModelUid = new ConcurrentHashMap<>();

  private static final Duration RECHECK = Duration.ofMinutes(1);
  private final Clock clock;

  public AdminTokens(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void ensure(BaseModel model) {
    String uid = model.getMetadata().getUid();
    Instant now = clock.instant();
    Instant seen = seenByModelUid.get(uid);
    if (seen != null && seen.plus(RECHECK).isAfter(now)) {
      return;
    }
    String name = BaseModelResources.adminTokenSecretName(model);
    String namespace = model.getMetadata().getNamespace();
    if (client.secrets().inNamespace(namespace).withName(name).get() != null) {
      seenByModelUid.put(uid, now);
      return;
    }
    byte[] token = new byte[32];
    RANDOM.nextBytes(token);
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(BaseModelResources.labels(model))
            .withOwnerReferences(Owners.controller(model))
            .endMetadata()
            .withType("Opaque")
            // data, not stringData: what is stored is then the same on every API server.
            .addToData(
                BaseModelResources.ADMIN_TOKEN_KEY,
                Base64.getEncoder()
                    .encodeToString(
                        Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString(token)
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
            .build();
    client.secrets().inNamespace(namespace).resource(secret).create();
    seenByModelUid.put(uid, now);
  }

  /** The token, for the operator's own admin calls. */
  public String read(BaseModel model) {
    return byModelUid.computeIfAbsent(model.getMetadata().getUid(), uid -> fetch(model));
  }

  private String fetch(BaseModel model) {
    Secret secret =
        client
            .secrets()
            .inNamespace(model.getMetadata().getNamespace())
            .withName(BaseModelResources.adminTokenSecretName(model))
            .get();
    if (secret == null
        || secret.getData() == null
        || secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY) == null) {
      throw new IllegalStateException(
          "admin token Secret of " + model.getMetadata().getName() + " is missing");
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY)),
        java.nio.charset.StandardCharsets.UTF_8);
  }
}
