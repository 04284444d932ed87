package io.lorafleet.operator.mergepolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.SourceDigest;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.testcluster.AuditEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * MergePolicy reconciliation: pinned sources, merge Jobs, re-merge on a new source version, on the
 * real control plane (RealCluster: the operator as the chart's ServiceAccount, Pod Security
 * "restricted" namespaces, the real Job controller and garbage collector). Merge Job pods run on
 * the kubelet stand-in in a simulated runtime that follows the merge contract and exits as the
 * trainer does (SimulatedJobRunner); the Job's status is the real Job controller's. A 409 comes
 * from a Job of someone else's that holds the merge Job's name.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class MergePolicyReconcilerTest extends RealClusterTestBase {
  @Override
  protected String namespacePrefix() {
    return "mp";
  }

  @AfterAll
  static void theCaptureSawTheOutages() {
    assertTheCaptureSawTheOutages();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private MergePolicyFixtures merges() {
    return new MergePolicyFixtures(admin, namespace);
  }

  private void awaitReason(String name, String reason) {
    merges().awaitReason(name, reason, Duration.ofSeconds(60));
  }

  private PublishedVersion publish(String name, long seed) throws Exception {
    return TestArtifacts.publishAdapter(
        objectStore.client(), "s3://adapters/" + namespace + "/" + name, 4, seed);
  }

  @Test
  void mergesPinnedSourcesServesTheOutputAndMergesAgainOnANewSourceVersion() throws Exception {
    baseModel("base");
    merges().policy("blend", "base");
    awaitReason("blend", "SourceNotFound");

    PublishedVersion tone = publish("tone", 1);
    PublishedVersion domain = publish("domain", 2);
    merges().adapter("tone", "base", tone);
    merges().adapter("domain", "base", domain);
    awaitReason("blend", "Merged");
    MergePolicy merged = merges().get("blend");
    assertThat(merged.isReady()).isTrue();
    assertThat(merged.getStatus().sourceDigests())
        .containsExactly(
            new SourceDigest("tone", "sha256:" + tone.digest()),
            new SourceDigest("domain", "sha256:" + domain.digest()));
    String firstDigest = merged.getStatus().output().digest();
    JsonNode config =
        JSON.readTree(
            admin
                .configMaps()
                .inNamespace(namespace)
                .withName(merged.getStatus().jobName())
                .get()
                .getData()
                .get("merge.json"));
    assertThat(config.at("/method").asText()).isEqualTo("ties");
    assertThat(config.at("/density").asDouble()).isEqualTo(0.5);
    assertThat(config.at("/sources/0/uri").asText()).isEqualTo(tone.uri().toString());
    assertThat(config.at("/sources/0/digest").asText()).isEqualTo("sha256:" + tone.digest());
    assertThat(config.at("/sources/1/weight").asDouble()).isEqualTo(0.3);
    assertThat(config.at("/output/versionsUri").asText())
        .isEqualTo("s3://adapters/" + namespace + "/adapters/merged");
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(merges().adapter("merged")).isNotNull();
              assertThat(merges().adapter("merged").isReady()).isTrue();
              assertThat(merges().adapter("merged").getStatus().digest()).isEqualTo(firstDigest);
            });

    // A new version of one source: a new merge, a new output version, the old Job cleaned up.
    String firstJob = merged.getStatus().jobName();
    PublishedVersion tone2 = publish("tone", 3);
    merges().adapter("tone", "base", tone2);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              MergePolicy again = merges().get("blend");
              assertThat(again.getStatus().sourceDigests())
                  .contains(new SourceDigest("tone", "sha256:" + tone2.digest()));
              assertThat(again.getStatus().output().digest()).isNotEqualTo(firstDigest);
              assertThat(again.isReady()).isTrue();
              assertThat(merges().adapter("merged").getStatus().digest())
                  .isEqualTo(again.getStatus().output().digest());
              assertThat(admin.batch().v1().jobs().inNamespace(namespace).withName(firstJob).get())
                  .isNull();
            });
    assertThat(events("MergePolicy", "blend"))
        .containsSubsequence("Normal/SourceNotFound", "Normal/Merged")
        .noneMatch(e -> e.startsWith("Warning/"));
  }

  /**
   * Review S3: the merge Job's create answers 409 AlreadyExists (here a Job of someone else's that
   * holds the merge's name, a real server's answer): a retry, not a Degraded policy nor a Warning;
   * once the name is free the merge runs. The name hashes the policy's spec as the server stores it
   * and the sources' digests, so it is known before the last source is ready.
   */
  @Test
  void aMergeJobCreateConflictIsRetriedWithoutDegradedOrWarnings() throws Exception {
    baseModel("base");
    PublishedVersion tone = publish("tone", 11);
    PublishedVersion domain = publish("domain", 12);
    merges().adapter("tone", "base", tone);
    merges().policy("calm", "base");
    awaitReason("calm", "SourceNotFound");
    MergePolicy policy = merges().get("calm");
    String name =
        MergePolicyResources.mergeName(
            policy,
            MergePolicyResources.key(
                policy, List.of("sha256:" + tone.digest(), "sha256:" + domain.digest())));
    admin.batch().v1().jobs().inNamespace(namespace).resource(squatter(name)).create();
    merges().adapter("domain", "base", domain);
    // Two refusals: the first has been handled (status, events) when the retry comes.
    await().atMost(Duration.ofSeconds(60)).until(() -> operatorJobCreates(409) >= 2);
    assertThat(
            merges()
                .get("calm")
                .getStatus()
                .condition(ConditionType.Degraded)
                .filter(c -> c.isTrue()))
        .as("Degraded while the name is taken")
        .isEmpty();
    admin.batch().v1().jobs().inNamespace(namespace).withName(name).delete();
    awaitReason("calm", "Merged");
    assertThat(operatorJobCreates(201)).isPositive();
    assertThat(events("MergePolicy", "calm")).noneMatch(e -> e.startsWith("Warning/"));
  }

  /** The operator's creates of Jobs in the namespace answered with {@code code}. */
  private long operatorJobCreates(int code) {
    return AuditEvent.read(RealCluster.auditLog()).stream()
        .filter(e -> e.verb().equals("create") && e.resource().equals("jobs"))
        .filter(e -> e.namespace().equals(namespace) && e.code() == code)
        .count();
  }

  /** A suspended Job of someone else's (no pods), unlabelled (no informer of ours sees it). */
  private static Job squatter(String name) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withSuspend(true)
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("c")
        .withImage("squatter")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  @Test
  void aFailedMergeIsMergeFailedWithTheMergersReason() throws Exception {
    jobs.failMerges(namespace, "RankTooLarge");
    baseModel("base");
    merges().adapter("tone", "base", publish("tone", 6));
    merges().adapter("domain", "base", publish("domain", 7));
    merges().policy("failing", "base");
    awaitReason("failing", "MergeFailed");
    var degraded =
        merges().get("failing").getStatus().condition(ConditionType.Degraded).orElseThrow();
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.message())
        .isEqualTo("RankTooLarge: source tone: rank 64 exceeds the output rank 8");
    assertThat(merges().get("failing").getStatus().output()).isNull();
    assertThat(merges().adapter("merged")).isNull();
    await()
        .untilAsserted(
            () -> assertThat(events("MergePolicy", "failing")).contains("Warning/MergeFailed"));
  }

  @Test
  void anObjectStoreOutageWhenTheMergeEndsDegradesAndRecovers() throws Exception {
    jobs.holdCompletions(namespace);
    baseModel("base");
    merges().adapter("tone", "base", publish("tone", 8));
    merges().adapter("domain", "base", publish("domain", 9));
    merges().policy("outage", "base");
    awaitReason("outage", "Merging");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                admin.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
                    .anyMatch(j -> jobs.waitingToComplete(namespace, j.getMetadata().getName())));
    String mergeJob =
        admin.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
            .map(j -> j.getMetadata().getName())
            .filter(name -> jobs.waitingToComplete(namespace, name))
            .findFirst()
            .orElseThrow();
    objectStore.stop();
    try {
      // The Job completes while result.json cannot be read.
      jobs.complete(namespace, mergeJob);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                var degraded =
                    merges()
                        .get("outage")
                        .getStatus()
                        .condition(ConditionType.Degraded)
                        .orElseThrow();
                assertThat(degraded.isTrue()).isTrue();
                assertThat(degraded.reason()).isEqualTo("ObjectStoreUnavailable");
              });
      assertThat(merges().get("outage").getStatus().output()).isNull();
      await()
          .untilAsserted(
              () ->
                  assertThat(events("MergePolicy", "outage"))
                      .contains("Warning/ObjectStoreUnavailable"));
    } finally {
      objectStore.restart();
    }
    awaitReason("outage", "Merged");
    assertThat(
            merges()
                .get("outage")
                .getStatus()
                .condition(ConditionType.Degraded)
                .orElseThrow()
                .isTrue())
        .isFalse();
    assertThat(merges().get("outage").getStatus().output().digest()).startsWith("sha256:");
    await()
        .untilAsserted(() -> assertThat(events("MergePolicy", "outage")).contains("Normal/Merged"));
  }

  @Test
  void aSourceOfAnotherBaseModelIsRefused() throws Exception {
    baseModel("base");
    baseModel("other");
    merges().adapter("tone", "base", publish("tone", 4));
    merges().adapter("domain", "other", publish("domain", 5));
    merges().policy("mixed", "base");
    awaitReason("mixed", "SourceBaseModelMismatch");
    assertThat(
            merges()
                .get("mixed")
                .getStatus()
                .condition(ConditionType.Degraded)
                .orElseThrow()
                .message())
        .isEqualTo("source domain is an adapter of BaseModel other, not of base");
  }
}
