package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.serving.AdminClient;
import io.lorafleet.operator.serving.AdminLanes;
import io.lorafleet.operator.serving.ServingPod;
import io.lorafleet.operator.testing.FakeServingPod;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Registrations follow what the pods hold: a pod incarnation the operator has not met (after an
 * operator restart, a new or restarted pod) is asked once for its registrations, and only what is
 * missing or registered with another digest is sent (issue 18).
 */
class RegistrationsTest {
  private static final String PATH = "s3://b/adapters/a/sha256-" + "a".repeat(64) + "/";
  private static final String DIGEST = "sha256:" + "a".repeat(64);
  private static final String OTHER = "sha256:" + "b".repeat(64);
  private FakeServingPod server;
  private Path token;
  private Registrations registrations;

  @BeforeEach
  void pod() throws Exception {
    token = Files.createTempFile("token", "");
    Files.writeString(token, "t0ken");
    server = new FakeServingPod(token);
    registrations = new Registrations(new AdminLanes(), Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    Files.deleteIfExists(token);
  }

  private ServingPod pod(int restarts) {
    return new ServingPod(
        "pod-0", "uid-0", restarts, URI.create("http://127.0.0.1:" + server.port()));
  }

  private static LoraAdapter adapter() {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName("a").withUid("lad-1").build());
    return adapter;
  }

  private Registrations.Entry registered(ServingPod pod, String digest) {
    Registrations.Registration r =
        new Registrations.Registration(adapter(), pod, "a", PATH, digest, "t0ken");
    registrations.ensure(r, Duration.ofSeconds(5));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                registrations.ensure(r, Duration.ofSeconds(5)).phase()
                    == Registrations.Phase.REGISTERED);
    return registrations.of(adapter()).get(pod.uid());
  }

  private long posts() {
    return server.requests().stream()
        .filter(r -> r.startsWith("POST /v1/register_lora_adapter"))
        .count();
  }

  @Test
  void anAdapterThePodAlreadyHasRegisteredIsNotSentAgain() throws Exception {
    // What a previous operator process registered, before this one started.
    new AdminClient().register(pod(0).endpoint(), "t0ken", "a", PATH, DIGEST);
    long before = posts();
    assertThat(registered(pod(0), DIGEST).digest()).isEqualTo(DIGEST);
    assertThat(posts()).as("no new registration").isEqualTo(before);
    assertThat(server.requests())
        .filteredOn(r -> r.startsWith("GET /v1/registered_adapters"))
        .hasSize(1);
  }

  @Test
  void aMissingOrOutdatedRegistrationIsSentAndARestartedPodIsAskedAgain() throws Exception {
    new AdminClient().register(pod(0).endpoint(), "t0ken", "a", PATH, OTHER);
    registered(pod(0), DIGEST);
    assertThat(server.registered()).containsEntry("a", DIGEST);
    assertThat(posts()).isEqualTo(2);

    // The container restarted (its registrations are gone): asked again, registered again.
    server.unregisterAll();
    registered(pod(1), DIGEST);
    assertThat(server.requests())
        .filteredOn(r -> r.startsWith("GET /v1/registered_adapters"))
        .hasSize(2);
    assertThat(posts()).isEqualTo(3);
    assertThat(server.registered()).containsEntry("a", DIGEST);
  }

  @Test
  void releaseUnregisters() throws Exception {
    registered(pod(0), DIGEST);
    registrations.release(adapter(), pod(0), "a", "t0ken").get();
    assertThat(server.registered()).doesNotContainKey("a");
    assertThat(registrations.of(adapter())).isEmpty();
  }
}
