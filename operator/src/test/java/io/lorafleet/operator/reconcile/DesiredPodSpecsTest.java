package io.lorafleet.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.operator.basemodel.ServingWorkload;
import io.lorafleet.operator.finetunejob.TrainerWorkload;
import io.lorafleet.operator.mergepolicy.MergeWorkload;
import io.lorafleet.operator.testing.RestrictedPodSecurity;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.lorafleet.operator.testing.kubelet.MountedFileAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Static rules over every pod the operator creates, built from the walkthrough's manifests (each
 * with a credentials Secret): a real kubelet writes Secret and ConfigMap files root-owned with the
 * volume's mode, and the PodSecurity admission plugin refuses pods that break {@code restricted}.
 * The mock API server checks neither (review T1, T5).
 */
class DesiredPodSpecsTest {
  private static final TestOperatorConfig CONFIG = new TestOperatorConfig();
  private static final Path ROOT = Path.of(System.getProperty("lorafleet.root", ".."));

  static Stream<Object[]> pods() throws IOException {
    BaseModel base = manifest("01-basemodel.yaml", BaseModel.class);
    BaseModel vllm =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough/01-basemodel.yaml"))
                .replace("  serving:\n", "  serving:\n    runtime: vllm\n"),
            BaseModel.class);
    vllm.getMetadata().setNamespace("team-a");
    assertThat(vllm.getSpec().serving().runtime()).isEqualTo(ServingRuntime.VLLM);
    FineTuneJob job = manifest("02-finetunejob.yaml", FineTuneJob.class);
    LoraAdapter adapter = manifest("03-loraadapter.yaml", LoraAdapter.class);
    MergePolicy policy = manifest("04-mergepolicy.yaml", MergePolicy.class);
    return Stream.of(
        new Object[] {
          "builtin server", ServingWorkload.deployment(base, CONFIG).getSpec().getTemplate()
        },
        new Object[] {
          "vLLM server", ServingWorkload.deployment(vllm, CONFIG).getSpec().getTemplate()
        },
        new Object[] {"trainer", TrainerWorkload.job(job, base, CONFIG).getSpec().getTemplate()},
        new Object[] {
          "merge",
          MergeWorkload.job(policy, "k1", base, List.of(adapter, adapter), CONFIG)
              .getSpec()
              .getTemplate()
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pods")
  void everyMountedSecretAndConfigMapFileIsReadableByTheContainersUser(
      String what, io.fabric8.kubernetes.api.model.PodTemplateSpec template) throws IOException {
    PodSpec pod = template.getSpec();
    assertThat(
            MountedFileAccess.unreadable(
                pod, imageUsers(), DesiredPodSpecsTest::representativeKeys))
        .as(what)
        .isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pods")
  void everyPodPassesPodSecurityRestricted(
      String what, io.fabric8.kubernetes.api.model.PodTemplateSpec template) {
    assertThat(RestrictedPodSecurity.violations(template.getSpec())).as(what).isEmpty();
  }

  /**
   * Least privilege: a container of our images (server, trainer, merge) cannot write its root file
   * system; the one writable place is the /tmp emptyDir, where the JVM and the trainer keep their
   * scratch (java.io.tmpdir). TrainerImageSmokeTest and ServerImageSmokeTest run the images so
   * ({@code podman --read-only --tmpfs /tmp}). vLLM's image writes caches under HOME and elsewhere,
   * so its pods keep a writable root.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("pods")
  void ourImagesRunOnAReadOnlyRootWithScratchAtTmp(
      String what, io.fabric8.kubernetes.api.model.PodTemplateSpec template) {
    PodSpec pod = template.getSpec();
    var container = pod.getContainers().get(0);
    boolean ours = !container.getImage().equals(CONFIG.vllmImage());
    assertThat(Boolean.TRUE.equals(container.getSecurityContext().getReadOnlyRootFilesystem()))
        .as(what + ": read-only root file system")
        .isEqualTo(ours);
    var scratch =
        container.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/tmp"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(what + ": no volume at /tmp"));
    assertThat(scratch.getReadOnly()).as(what + ": /tmp writable").isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getVolumes())
        .as(what + ": /tmp is an emptyDir")
        .anySatisfy(
            v -> {
              assertThat(v.getName()).isEqualTo(scratch.getName());
              assertThat(v.getEmptyDir()).isNotNull();
            });
  }

  /**
   * Review J3: preemption, drains and spot reclaims (pod condition DisruptionTarget) must not use
   * up backoffLimit; bad input (exit code 2) still fails the Job at once.
   */
  @org.junit.jupiter.api.Test
  void disruptedPodsDoNotCountAgainstTheBackoffLimit() throws IOException {
    BaseModel base = manifest("01-basemodel.yaml", BaseModel.class);
    FineTuneJob job = manifest("02-finetunejob.yaml", FineTuneJob.class);
    LoraAdapter adapter = manifest("03-loraadapter.yaml", LoraAdapter.class);
    MergePolicy policy = manifest("04-mergepolicy.yaml", MergePolicy.class);
    for (var jobSpec :
        List.of(
            TrainerWorkload.job(job, base, CONFIG).getSpec(),
            MergeWorkload.job(policy, "k1", base, List.of(adapter, adapter), CONFIG).getSpec())) {
      var rules = jobSpec.getPodFailurePolicy().getRules();
      assertThat(rules)
          .anySatisfy(
              r -> {
                assertThat(r.getAction()).isEqualTo("Ignore");
                assertThat(r.getOnPodConditions())
                    .anySatisfy(
                        c -> {
                          assertThat(c.getType()).isEqualTo("DisruptionTarget");
                          assertThat(c.getStatus()).isEqualTo("True");
                        });
              });
      assertThat(rules)
          .anySatisfy(
              r -> {
                assertThat(r.getAction()).isEqualTo("FailJob");
                assertThat(r.getOnExitCodes().getValues()).containsExactly(2);
              });
    }
  }

  /** A volume's files all get the same mode unless items say otherwise. */
  private static Set<String> representativeKeys(Volume volume) {
    var items =
        volume.getSecret() != null
            ? volume.getSecret().getItems()
            : volume.getConfigMap().getItems();
    return items == null || items.isEmpty()
        ? Set.of("any-key")
        : Set.copyOf(items.stream().map(i -> i.getKey()).toList());
  }

  /**
   * The USER of each image, from our Dockerfiles; the upstream vLLM image declares none (root). The
   * pod spec's runAsUser, when set, overrides these.
   */
  private static Map<String, long[]> imageUsers() throws IOException {
    Map<String, long[]> users = new HashMap<>();
    users.put(CONFIG.serverImage(), dockerUser("server-image/Dockerfile"));
    users.put(CONFIG.trainerImage(), dockerUser("trainer-image/Dockerfile"));
    users.put(CONFIG.vllmImage(), new long[] {0, 0});
    return users;
  }

  private static long[] dockerUser(String dockerfile) throws IOException {
    Matcher m =
        Pattern.compile("(?m)^USER (\\d+):(\\d+)$")
            .matcher(Files.readString(ROOT.resolve(dockerfile)));
    assertThat(m.find()).as(dockerfile + " has a numeric USER uid:gid").isTrue();
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
  }

  private static <T> T manifest(String file, Class<T> type) throws IOException {
    T object =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough").resolve(file)), type);
    var meta = ((io.fabric8.kubernetes.api.model.HasMetadata) object).getMetadata();
    meta.setNamespace("team-a");
    meta.setUid("00000000-0000-0000-0000-000000000001");
    return object;
  }
}
