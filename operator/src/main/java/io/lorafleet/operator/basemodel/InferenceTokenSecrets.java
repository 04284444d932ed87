package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.InferenceAuth;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the Secret that {@code spec.serving.inferenceAuth} names holds its key. Checked before
 * the pool's pods are written: a pod whose Secret volume cannot be mounted never starts, and the
 * user would see only a pod stuck in ContainerCreating. Only the key's presence is read here; the
 * operator never uses the token itself.
 */
@ApplicationScoped
public class InferenceTokenSecrets {
  /**
   * How long a Secret seen with its key is taken as still there. A BaseModel is reconciled after
   * every load on its pool, so a GET per reconcile would be one per load (as {@link AdminTokens}
   * found); a Secret deleted later is reported within this. A missing one is looked up every time.
   */
  static final Duration RECHECK = Duration.ofMinutes(1);

  private record Seen(InferenceAuth auth, Instant at) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final Map<String, Seen> seenByModelUid = new ConcurrentHashMap<>();

  public InferenceTokenSecrets(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Why the pool's token cannot be mounted; empty when it can, or when no auth is asked for. */
  public Optional<String> problem(BaseModel model) {
    InferenceAuth auth = model.getSpec().serving().inferenceAuth();
    String uid = model.getMetadata().getUid();
    if (auth == null) {
      seenByModelUid.remove(uid);
      return Optional.empty();
    }
    Instant now = clock.instant();
    Seen seen = seenByModelUid.get(uid);
    if (seen != null && seen.auth().equals(auth) && seen.at().plus(RECHECK).isAfter(now)) {
      return Optional.empty();
    }
    Optional<String> problem = lookUp(model, auth);
    if (problem.isEmpty()) {
      seenByModelUid.put(uid, new Seen(auth, now));
    } else {
      seenByModelUid.remove(uid);
    }
    return problem;
  }

  private Optional<String> lookUp(BaseModel model, InferenceAuth auth) {
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
