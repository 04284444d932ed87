package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.TestOperatorConfig;
import org.junit.jupiter.api.Test;

/**
 * Review P2 on a real kube-apiserver: the server stores quantities in canonical form (65536Mi as
 * 64Gi, 1000m as 1), so a Deployment built from a spec that spells them otherwise never equals the
 * stored one. The dependent's matcher must see the stored Deployment as up to date, or every
 * reconcile (one per finished adapter load) sends a PUT of the whole spec.
 */
class ServingDeploymentRealServerTest {
  private final KubernetesClient admin = RealCluster.get().admin();

  @Test
  void theServersCanonicalQuantitiesMatchTheDesiredDeployment() {
    String namespace = RealCluster.get().restrictedNamespace("p2");
    BaseModel model =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: base}
            spec:
              source: {uri: s3://models/tiny}
              serving:
                adapterSlots: {maxLoaded: 4, maxCached: 16, maxRank: 32}
                resources:
                  requests: {cpu: 1000m, memory: 65536Mi, ephemeral-storage: "21474836480"}
                  limits: {cpu: "2.0", memory: 65536Mi}
            """,
            BaseModel.class);
    model.getMetadata().setNamespace(namespace);
    Deployment desired = desired(model);
    admin.resource(desired).create();
    Deployment stored =
        admin
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withName(desired.getMetadata().getName())
            .get();
    // The server did rewrite them: otherwise this test would prove nothing.
    assertThat(
            stored
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst()
                .getResources()
                .getRequests()
                .get("memory")
                .toString())
        .isEqualTo("64Gi");

    // Each reconcile builds the desired Deployment again and compares it with the stored one.
    int updates = 0;
    for (int reconcile = 0; reconcile < 5; reconcile++) {
      Deployment again = desired(model);
      if (!ServingDeploymentDependent.upToDate(stored, again)) {
        updates++;
      }
    }
    assertThat(updates).as("Deployment updates over 5 reconciles").isZero();

    // A real change (more memory) is still an update.
    BaseModel bigger =
        Serialization.unmarshal(
            Serialization.asYaml(model).replace("65536Mi", "65537Mi"), BaseModel.class);
    assertThat(ServingDeploymentDependent.upToDate(stored, desired(bigger))).isFalse();

    // So is a field no longer desired (the limits taken out of the BaseModel): the stored copy
    // still has it, which a diff tolerating the server's additions would never undo without the
    // hash of the spec it was written from.
    BaseModel unlimited =
        Serialization.unmarshal(
            Serialization.asYaml(model).replaceAll("(?m)^( *)limits:\\n(\\1  .*\\n)+", ""),
            BaseModel.class);
    assertThat(Serialization.asYaml(unlimited)).doesNotContain("limits");
    assertThat(ServingDeploymentDependent.upToDate(stored, desired(unlimited))).isFalse();
  }

  /** What the dependent builds: the workload stamped with the hash of its spec. */
  private static Deployment desired(BaseModel model) {
    return AppliedSpec.stamp(ServingWorkload.deployment(model, new TestOperatorConfig()));
  }
}
