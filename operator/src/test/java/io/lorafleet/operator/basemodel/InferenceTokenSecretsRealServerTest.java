package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.testing.RealCluster;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pool token check on a real API server: a missing Secret or key is reported at once and every
 * time; a Secret seen with its key is not looked up again for a minute (a BaseModel is reconciled
 * after every adapter load), so a deletion shows only after that minute.
 */
class InferenceTokenSecretsRealServerTest {
  private final KubernetesClient admin = RealCluster.get().admin();

  /** A clock the test moves. */
  private static final class MovingClock extends Clock {
    Instant now = Instant.parse("2026-12-08T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void aSeenSecretIsTrustedForAMinuteAMissingOneIsLookedForEachTime() {
    String namespace = RealCluster.get().restrictedNamespace("token");
    BaseModel model =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: base, uid: 0e5a7c2e-1111-4c4c-8a8a-000000000001}
            spec:
              source: {uri: s3://models/tiny}
              serving:
                inferenceAuth: {secretName: pool-token, key: token}
            """,
            BaseModel.class);
    model.getMetadata().setNamespace(namespace);
    MovingClock clock = new MovingClock();
    InferenceTokenSecrets secrets = new InferenceTokenSecrets(admin, clock);

    assertThat(secrets.problem(model))
        .contains(
            "Secret pool-token (spec.serving.inferenceAuth) not found in namespace " + namespace);
    write(namespace, Map.of("other", "x"));
    assertThat(secrets.problem(model))
        .as("looked up again at once")
        .contains("Secret pool-token (spec.serving.inferenceAuth) has no key token");
    write(namespace, Map.of("token", "sk-1"));
    assertThat(secrets.problem(model)).isEmpty();

    admin.secrets().inNamespace(namespace).withName("pool-token").delete();
    clock.now = clock.now.plus(Duration.ofSeconds(59));
    assertThat(secrets.problem(model)).as("within the minute: not looked up").isEmpty();
    clock.now = clock.now.plus(Duration.ofSeconds(2));
    assertThat(secrets.problem(model)).as("after the minute").isPresent();
  }

  private void write(String namespace, Map<String, String> data) {
    admin
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("pool-token")
                .endMetadata()
                .withStringData(data)
                .build())
        .serverSideApply();
  }
}
