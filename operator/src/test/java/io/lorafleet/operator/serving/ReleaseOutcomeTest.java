package io.lorafleet.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.testing.FakeServingPod;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An adapter's deletion waits for the futures of its unloads and unregistrations; each must
 * complete whatever happens on the worker, or the deletion waits for an answer that never comes.
 */
class ReleaseOutcomeTest {
  private FakeServingPod server;
  private Path token;
  private Placements placements;

  @BeforeEach
  void pod() throws Exception {
    token = Files.createTempFile("token", "");
    Files.writeString(token, "t0ken");
    server = new FakeServingPod(token);
    placements = new Placements(new AdminLanes(), Clock.systemUTC(), new SimpleMeterRegistry());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    Files.deleteIfExists(token);
  }

  /** Metadata only: no spec, so whatever reads the spec after the pod answered fails. */
  private static LoraAdapter adapterWithoutSpec() {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName("a").withUid("lad-1").build());
    return adapter;
  }

  @Test
  void anUnloadCompletesWhenTheBookkeepingAfterThePodsAnswerFails() {
    placements.bindPools(new SimpleInboundEventSource<>());
    ServingPod pod =
        new ServingPod("pod-0", "uid-0", 0, URI.create("http://127.0.0.1:" + server.port()));

    assertThat(placements.release(adapterWithoutSpec(), pod, "a", "t0ken"))
        .succeedsWithin(Duration.ofSeconds(10));
  }
}
