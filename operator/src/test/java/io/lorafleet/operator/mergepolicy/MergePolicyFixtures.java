package io.lorafleet.operator.mergepolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.common.AdapterOutput;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.api.v1alpha1.mergepolicy.MajoritySign;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeMethod;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicySpec;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeSource;
import io.lorafleet.artifacts.store.PublishedVersion;
import java.time.Duration;
import java.util.List;

/** The MergePolicy suites' objects (two adapters merged into one), in one namespace. */
record MergePolicyFixtures(KubernetesClient client, String namespace) {
  void adapter(String name, String base, PublishedVersion version) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference(base),
            new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
            new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    client.resource(adapter).createOr(a -> a.update());
  }

  void policy(String name, String base) {
    MergePolicy policy = new MergePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    policy.setSpec(
        new MergePolicySpec(
            new LocalReference(base),
            List.of(new MergeSource("tone", 0.7), new MergeSource("domain", 0.3)),
            MergeMethod.TIES,
            0.5,
            MajoritySign.TOTAL,
            8,
            7L,
            new AdapterOutput(
                "merged",
                "s3://adapters",
                new SecretReference("s3"),
                new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS))));
    client.resource(policy).create();
  }

  MergePolicy get(String name) {
    return client.resources(MergePolicy.class).inNamespace(namespace).withName(name).get();
  }

  LoraAdapter adapter(String name) {
    return client.resources(LoraAdapter.class).inNamespace(namespace).withName(name).get();
  }

  void awaitReason(String name, String reason, Duration timeout) {
    await()
        .atMost(timeout)
        .untilAsserted(
            () -> {
              assertThat(get(name).getStatus()).isNotNull();
              assertThat(
                      get(name).getStatus().condition(ConditionType.Ready).orElseThrow().reason())
                  .isEqualTo(reason);
            });
  }
}
