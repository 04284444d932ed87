package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A user's write (a spec edit, a deletion) that reaches the API server while the operator's own
 * status patch of the same LoraAdapter is in flight must still be acted on. The framework (JOSDK
 * 5.3.2) drops such a write's watch event: it defers events seen during its own write and then
 * discards those older than the write's response (fixed upstream in 5.3.5, not served here). So a
 * GitOps edit or a {@code kubectl delete} could sit unreconciled until the 5-minute resync; this
 * test sweeps the second write's delay across the operator's reconcile-and-patch so that some land
 * inside the patch and asserts every one is acted on well before the resync.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class WritesDuringStatusPatchTest extends RealClusterTestBase {
  /** Far below the 5-minute resync that would otherwise be the only recovery. */
  private static final Duration ACTED_ON_WITHIN = Duration.ofSeconds(15);

  /** Delays of the second write after the first, in ms: across the reconcile and its patch. */
  private static final int SWEEP_MS = 40;

  @Override
  protected String namespacePrefix() {
    return "lrace";
  }

  @Test
  void specEditsLandingDuringTheOperatorsStatusPatchAreReconciled() throws Exception {
    PublishedVersion version =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/edited", 4, 5);
    baseModel("base");
    create("edited", version);
    awaitObserved("edited", ACTED_ON_WITHIN);
    List<Integer> lost = new ArrayList<>();
    boolean deleteArtifact = false;
    for (int delayMs = 0; delayMs < SWEEP_MS; delayMs++) {
      setDeleteArtifact("edited", deleteArtifact = !deleteArtifact);
      Thread.sleep(delayMs);
      setDeleteArtifact("edited", deleteArtifact = !deleteArtifact);
      try {
        awaitObserved("edited", ACTED_ON_WITHIN);
      } catch (ConditionTimeoutException e) {
        lost.add(delayMs);
        // The next iteration's edit is a fresh event: the sweep goes on.
      }
    }
    assertThat(lost).as("delays (ms) whose second edit was not reconciled").isEmpty();
  }

  @Test
  void deletionsLandingDuringTheOperatorsStatusPatchAreCleanedUp() throws Exception {
    PublishedVersion version =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/deleted", 4, 6);
    baseModel("base");
    int count = SWEEP_MS / 2;
    for (int i = 0; i < count; i++) {
      create("deleted-" + i, version);
    }
    for (int i = 0; i < count; i++) {
      awaitObserved("deleted-" + i, ACTED_ON_WITHIN);
    }
    List<Integer> lost = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = "deleted-" + i;
      setDeleteArtifact(name, true);
      Thread.sleep(2L * i);
      admin.resources(LoraAdapter.class).inNamespace(namespace).withName(name).delete();
      try {
        await().atMost(ACTED_ON_WITHIN).until(() -> get(name) == null);
      } catch (ConditionTimeoutException e) {
        lost.add(2 * i);
        // Let it go, so the namespace's clean-up is not held by this test's finalizer.
        admin
            .resources(LoraAdapter.class)
            .inNamespace(namespace)
            .withName(name)
            .edit(
                a -> {
                  a.getMetadata().setFinalizers(List.of());
                  return a;
                });
      }
    }
    assertThat(lost).as("delays (ms) whose deletion was not acted on").isEmpty();
  }

  private void create(String name, PublishedVersion version) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference("base"),
            new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
            new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    admin.resource(adapter).create();
  }

  /**
   * A spec edit as {@code kubectl patch --type merge} makes it: no resourceVersion precondition.
   */
  private void setDeleteArtifact(String name, boolean value) {
    admin
        .resources(LoraAdapter.class)
        .inNamespace(namespace)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"deleteArtifactOnRemoval\":" + value + "}}");
  }

  private LoraAdapter get(String name) {
    return admin.resources(LoraAdapter.class).inNamespace(namespace).withName(name).get();
  }

  /** Until the operator's status describes the adapter's current generation. */
  private void awaitObserved(String name, Duration bound) {
    await()
        .atMost(bound)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              LoraAdapter seen = get(name);
              return seen.getStatus() != null
                  && seen.getMetadata()
                      .getGeneration()
                      .equals(seen.getStatus().observedGeneration());
            });
  }
}
