package io.lorafleet.operator.realcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.operator.testing.RealCluster;
import org.junit.jupiter.api.Test;

/**
 * Review C3: the api module's cel-java tests compile rules with {@code self} as DYN, so they check
 * neither a rule's types against the schema nor its estimated cost. The real kube-apiserver does
 * both when a CRD is written, so it is the check: these probes show that it refuses an over-cost
 * rule over an unbounded list and a rule that is ill-typed for its schema (each with its own
 * message), accepts the same cost once the list and its strings are bounded, and accepts every
 * committed CRD (dry run, so nothing is changed for the other tests).
 */
class CelRuleCheckRealServerTest {
  private final KubernetesClient admin = RealCluster.get().admin();

  @Test
  void anOverCostRuleOverAnUnboundedListIsRefusedWithTheCostMessage() {
    CustomResourceDefinition unbounded = probe("unboundeds", false);
    assertThatThrownBy(() -> admin.resource(unbounded).dryRun().create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("x-kubernetes-validations[0].rule")
        .hasMessageContaining("estimated rule cost exceeds budget");
  }

  @Test
  void theSameRuleIsAcceptedOnceTheListAndItsStringsAreBounded() {
    // The control: without it the refusal above could be about anything but cost.
    CustomResourceDefinition bounded = probe("boundeds", true);
    assertThat(admin.resource(bounded).dryRun().create().getMetadata().getName())
        .isEqualTo("boundeds.c3.lorafleet.io");
  }

  @Test
  void aRuleIllTypedForItsSchemaIsRefusedWithTheCompilerMessage() {
    CustomResourceDefinition crd =
        crd(
            "typeds",
            """
            type: object
            x-kubernetes-validations:
            - rule: "self.name + 1 == 2"
            properties:
              name: {type: string, maxLength: 63}
            """);
    assertThatThrownBy(() -> admin.resource(crd).dryRun().create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("compilation failed")
        .hasMessageContaining("no matching overload for '_+_' applied to '(string, int)'");
  }

  @Test
  void everyCommittedCrdPassesTheServersTypeAndCostChecks() throws Exception {
    assertThat(RealCluster.committedCrds(admin))
        .hasSize(4)
        .allSatisfy(
            crd ->
                assertThat(admin.resource(crd).dryRun().forceConflicts().serverSideApply())
                    .isNotNull());
  }

  /**
   * A rule that compares every pair of names: quadratic in the list's size and strings' length,
   * both unbounded unless {@code bounded}.
   */
  private static CustomResourceDefinition probe(String plural, boolean bounded) {
    return crd(
        plural,
        """
        type: object
        x-kubernetes-validations:
        - rule: "self.names.all(a, self.names.all(b, a == b || !a.contains(b)))"
        properties:
          names:
            type: array
            %s
            items: {type: string%s}
        """
            .formatted(bounded ? "maxItems: 8" : "", bounded ? ", maxLength: 63" : ""));
  }

  private static CustomResourceDefinition crd(String plural, String specSchema) {
    String indented = specSchema.indent(14);
    return Serialization.unmarshal(
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: %1$s.c3.lorafleet.io}
        spec:
          group: c3.lorafleet.io
          scope: Namespaced
          names: {plural: %1$s, singular: %2$s, kind: %3$s}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
        %4$s
        """
            .formatted(
                plural,
                plural.substring(0, plural.length() - 1),
                Character.toUpperCase(plural.charAt(0)) + plural.substring(1, plural.length() - 1),
                indented),
        CustomResourceDefinition.class);
  }
}
