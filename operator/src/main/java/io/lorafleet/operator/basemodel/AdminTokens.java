package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.reconcile.Owners;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
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

  /**
   * The token as last read, per BaseModel: one GET per BaseModel, not one per adapter reconcile.
   * Refreshed by every lookup {@link #ensure} makes (at most a minute old), replaced when ensure
   * recreates the Secret, and dropped when a pod answers 401 ({@link #forget}), so a recreated or
   * rotated Secret is used without a restart.
   */
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
    Secret existing = client.secrets().inNamespace(namespace).withName(name).get();
    if (existing != null) {
      tokenOf(existing).ifPresent(token -> byModelUid.put(uid, token));
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
                            .getBytes(StandardCharsets.US_ASCII)))
            .build();
    client.secrets().inNamespace(namespace).resource(secret).create();
    tokenOf(secret).ifPresent(created -> byModelUid.put(uid, created));
    seenByModelUid.put(uid, now);
  }

  /**
   * A pod refused the token (HTTP 401): the Secret was rotated or recreated since it was read. The
   * next call reads it again, and the next {@link #ensure} looks the Secret up at once.
   */
  public void forget(BaseModel model) {
    byModelUid.remove(model.getMetadata().getUid());
    seenByModelUid.remove(model.getMetadata().getUid());
  }

  private static Optional<String> tokenOf(Secret secret) {
    if (secret.getData() == null
        || secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY) == null) {
      return Optional.empty();
    }
    return Optional.of(
        new String(
            Base64.getDecoder().decode(secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY)),
            StandardCharsets.UTF_8));
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
    return (secret == null ? Optional.<String>empty() : tokenOf(secret))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "admin token Secret of " + model.getMetadata().getName() + " is missing"));
  }
}
