package io.lorafleet.operator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.TestOperatorConfig;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Review O4: a tenant's credentials Secret names the object-store endpoint, and the operator
 * connects to it from the cluster network. With an allow-list, any other endpoint (the cloud
 * metadata address, an internal service) is refused before a connection is made, with a specific
 * reason.
 */
@EnableKubernetesMockClient(crud = true)
class EndpointAllowListTest {
  private static final List<String> ALLOWED =
      List.of("https://s3.eu-west-1.amazonaws.com", "http://*.storage.svc:9000");

  KubernetesClient client;

  @Test
  void anEndpointOffTheListIsRefusedWithItsOwnReasonAndListedOnesAreUsed() throws Exception {
    ObjectStoreAccess access = new ObjectStoreAccess(client, config(ALLOWED));
    secret("metadata", "http://169.254.169.254/latest/meta-data/");
    assertThatThrownBy(() -> access.configFor("team-a", new SecretReference("metadata")))
        .isInstanceOfSatisfying(
            StorageFailure.class,
            f -> assertThat(f.problem()).isEqualTo(StorageProblem.ENDPOINT_NOT_ALLOWED))
        .hasMessageContaining("http://169.254.169.254:80")
        .hasMessageNotContaining("secret-key-value");
    for (String refused :
        List.of(
            "https://s3.eu-west-1.amazonaws.com:8443",
            "http://s3.eu-west-1.amazonaws.com",
            "http://minio.storage.svc.attacker.example:9000",
            "http://minio.storage.svc:9001")) {
      secret("other", refused);
      assertThatThrownBy(() -> access.configFor("team-a", new SecretReference("other")))
          .as(refused)
          .isInstanceOfSatisfying(
              StorageFailure.class,
              f -> assertThat(f.problem()).isEqualTo(StorageProblem.ENDPOINT_NOT_ALLOWED));
    }
    for (String allowed :
        List.of(
            "https://s3.eu-west-1.amazonaws.com",
            "https://S3.EU-WEST-1.amazonaws.com:443/",
            "http://minio.storage.svc:9000")) {
      secret("ok", allowed);
      assertThat(access.configFor("team-a", new SecretReference("ok"))).as(allowed).isNotNull();
    }
  }

  @Test
  void withoutAListEveryEndpointIsUsed() throws Exception {
    ObjectStoreAccess access = new ObjectStoreAccess(client, config(List.of()));
    secret("any", "http://10.0.0.7:9000");
    assertThat(access.configFor("team-a", new SecretReference("any"))).isNotNull();
  }

  private void secret(String name, String endpoint) {
    client
        .secrets()
        .inNamespace("team-a")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("team-a")
                .endMetadata()
                .addToStringData(ObjectStoreAccess.ACCESS_KEY, "access")
                .addToStringData(ObjectStoreAccess.SECRET_KEY, "secret-key-value")
                .addToStringData(ObjectStoreAccess.ENDPOINT, endpoint)
                .build())
        .createOr(r -> r.update());
  }

  /** The test defaults with this allow-list. */
  private static OperatorConfig config(List<String> allowed) {
    OperatorConfig defaults = new TestOperatorConfig();
    return (OperatorConfig)
        Proxy.newProxyInstance(
            OperatorConfig.class.getClassLoader(),
            new Class<?>[] {OperatorConfig.class},
            (proxy, method, args) ->
                method.getName().equals("allowedS3Endpoints")
                    ? Optional.of(allowed)
                    : method.invoke(defaults, args));
  }
}
