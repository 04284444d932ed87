package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.InferenceAuth;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the Secret that {@code spec.serving.inferenceAuth} names holds its key. Checked before
 * the pool's pods are written: a pod whose Secret volume cannot be mounted never starts, and the
 * user would see only a pod stuck in ContainerCreating. Only the key's presence is read here; the
 * operator never uses the token itself.
 */
@ApplicationScoped
public class InferenceTokenSecrets {
  private final KubernetesClient client;

  public InferenceTokenSecrets(KubernetesClient client) {
    this.client = client;
  }

  /** Why the pool's token cannot be mounted; empty when it can, or when no auth is asked for. */
  public Optional<String> problem(BaseModel model) {
    InferenceAuth auth = model.getSpec().serving().inferenceAuth();
    if (auth == null) {
      return Optional.empty();
    }
    String namespace = model.getMetadata().getNamespace();
    Secret secret = client.secrets().inNamespace(namespace).withName(auth.secretName()).get();
    if (secret == null) {
      return Optional.of(
          "Secret "
              + auth.secretName()
              + " (spec.serving.inferenceAuth) not found in namespace "
              + namespace);
    }
    if (!has(secret.getData(), auth.keyOrDefault())
        && !has(secret.getStringData(), auth.keyOrDefault())) {
      return Optional.of(
          "Secret "
              + auth.secretName()
              + " (spec.serving.inferenceAuth) has no key "
              + auth.keyOrDefault());
    }
    return Optional.empty();
  }

  private static boolean has(Map<String, String> data, String key) {
    return data != null && data.get(key) != null && !data.get(key).isEmpty();
  }
}
