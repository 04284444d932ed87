package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.reconcile.Owners;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
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

  public AdminTokens(KubernetesClient client) {
    this.client = client;
  }

  public void ensure(BaseModel model) {
    String name = BaseModelResources.adminTokenSecretName(model);
    String namespace = model.getMetadata().getNamespace();
    if (client.secrets().inNamespace(namespace).withName(name).get() != null) {
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
