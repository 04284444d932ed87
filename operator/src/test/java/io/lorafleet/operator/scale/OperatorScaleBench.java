package io.lorafleet.operator.scale;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FakeDeploymentController;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Control-plane scale: N LoraAdapters on "all" pods of one pool of P serving pods (stand-ins that
 * accept loads over real HTTP), until every adapter is Ready. Prints time to converge and heap. Not
 * a test (no timed assertion); run it with {@code ./mvnw -pl operator test
 * -Dtest=OperatorScaleBench -Dlorafleet.scale.adapters=1000}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class OperatorScaleBench {
  @Inject KubernetesClient client;

  @Test
  void adaptersConvergeOnAPool() throws Exception {
    int adapters = Integer.getInteger("lorafleet.scale.adapters", 1000);
    int pods = Integer.getInteger("lorafleet.scale.pods", 10);
    int versions = 10;
    String namespace = "scale";
    try (EmbeddedObjectStore store = EmbeddedObjectStore.start();
        FakeDeploymentController kubelet = new FakeDeploymentController(client)) {
      TestArtifacts.putTinyModel(store.client(), "models", "tiny");
      client
          .secrets()
          .inNamespace(namespace)
          .resource(store.credentialsSecret(namespace, "s3", store.endpoint()))
          .create();
      List<PublishedVersion> published = new ArrayList<>();
      for (int i = 0; i < versions; i++) {
        published.add(
            TestArtifacts.publishAdapter(store.client(), "s3://adapters/scale/v" + i, 8, i));
      }
      BaseModel model = new BaseModel();
      model.setMetadata(new ObjectMetaBuilder().withName("base").withNamespace(namespace).build());
      model.setSpec(
          new BaseModelSpec(
              new ArtifactSource("s3://models/tiny", new SecretReference("s3"), null),
              new ServingSpec(
                  pods,
                  ServingRuntime.BUILTIN,
                  null,
                  null,
                  null,
                  null,
                  new AdapterSlots(4096, 4096, 64))));
      client.resource(model).create();
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> kubelet.servers(namespace, "base").size() == pods);

      // The mock server's resourceVersion is one counter for every write: the difference is the
      // number of writes the run cost (status patches, finalizers, Events).
      long versionAtStart = apiServerVersion(namespace);
      long start = System.nanoTime();
      for (int i = 0; i < adapters; i++) {
        LoraAdapter adapter = new LoraAdapter();
        adapter.setMetadata(
            new ObjectMetaBuilder().withName("adapter-" + i).withNamespace(namespace).build());
        adapter.setSpec(
            new LoraAdapterSpec(
                new LocalReference("base"),
                new ArtifactSource(
                    published.get(i % versions).uri().toString(), new SecretReference("s3"), null),
                new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS),
                null,
                false));
        client.resource(adapter).create();
      }
      long created = System.nanoTime();
      java.util.function.LongSupplier ready =
          () ->
              client.resources(LoraAdapter.class).inNamespace(namespace).list().getItems().stream()
                  .filter(LoraAdapter::isReady)
                  .count();
      try {
        await()
            .atMost(Duration.ofMinutes(Integer.getInteger("lorafleet.scale.minutes", 20)))
            .pollInterval(Duration.ofSeconds(2))
            .until(() -> ready.getAsLong() == adapters);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // A report, not a test: say how far it got.
        throw new AssertionError(
            "SCALE not converged: "
                + ready.getAsLong()
                + " of "
                + adapters
                + " Ready at the deadline, after "
                + (apiServerVersion(namespace) - versionAtStart)
                + " API writes",
            e);
      }
      long converged = System.nanoTime();
      long writes = apiServerVersion(namespace) - versionAtStart;
      long loads =
          kubelet.servers(namespace, "base").values().stream()
              .mapToLong(s -> s.loaded().size())
              .sum();
      System.gc();
      var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      System.out.printf(
          "SCALE adapters=%d pods=%d placements=%d api_writes=%d create_s=%.1f converge_s=%.1f (after create %.1f) heap_used_mib=%d heap_committed_mib=%d cores=%d%n",
          adapters,
          pods,
          loads,
          writes,
          (created - start) / 1e9,
          (converged - start) / 1e9,
          (converged - created) / 1e9,
          heap.getUsed() >> 20,
          heap.getCommitted() >> 20,
          Runtime.getRuntime().availableProcessors());
    }
  }

  private long apiServerVersion(String namespace) {
    return Long.parseLong(
        client
            .resources(LoraAdapter.class)
            .inNamespace(namespace)
            .list()
            .getMetadata()
            .getResourceVersion());
  }
}
