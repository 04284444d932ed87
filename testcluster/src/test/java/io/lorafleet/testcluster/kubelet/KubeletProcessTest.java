package io.lorafleet.testcluster.kubelet;

import static io.lorafleet.testcluster.kubelet.Cluster.admin;
import static io.lorafleet.testcluster.kubelet.Cluster.awaitPod;
import static io.lorafleet.testcluster.kubelet.Cluster.awaitTrue;
import static io.lorafleet.testcluster.kubelet.Cluster.namespace;
import static io.lorafleet.testcluster.kubelet.Cluster.phase;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The process runtime is as strict as a kubelet where our code depends on it: each rule below fails
 * its test if the stand-in drops it. Containers of image "shell" run {@code /bin/sh -c <first arg>}
 * (image USER root); the test JVM runs as root.
 */
class KubeletProcessTest {
  private static final long USER = 10001;
  static Kubelet kubelet;

  /** The namespaces of this class: the kubelet runs their pods only. */
  private static final Set<String> OWN = ConcurrentHashMap.newKeySet();

  private static String own(String prefix, boolean restricted) {
    String ns = namespace(prefix, restricted);
    OWN.add(ns);
    return ns;
  }

  static String ns;

  @BeforeAll
  static void start() throws IOException {
    Path dir = Files.createTempDirectory("kubelet-proc");
    ProcessRuntime runtime =
        new ProcessRuntime(
            image ->
                image.equals("shell")
                    ? new LocalImage(0, 0, l -> List.of("/bin/sh", "-c", l.args().getFirst()))
                    : null);
    kubelet =
        Kubelet.start(
            admin(),
            dir,
            ImageRegistry.of("shell"),
            (Kubelet.RuntimeSelector)
                pod -> OWN.contains(pod.getMetadata().getNamespace()) ? runtime : null);
    ns = own("proc", false);
    admin()
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("token")
                .endMetadata()
                .addToStringData("key", "s3cret")
                .build())
        .create();
  }

  @AfterAll
  static void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  /** A one-container pod running {@code script} as UID 10001 (no fsGroup unless edited). */
  private static PodBuilder pod(String name, String script) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withTerminationGracePeriodSeconds(2L)
        .withSecurityContext(
            new PodSecurityContextBuilder().withRunAsUser(USER).withRunAsGroup(USER).build())
        .addNewContainer()
        .withName("main")
        .withImage("shell")
        .withArgs(script)
        .endContainer()
        .endSpec();
  }

  private static PodBuilder withSecret(PodBuilder pod, Integer defaultMode) {
    return pod.editSpec()
        .addToVolumes(
            new VolumeBuilder()
                .withName("token")
                .withNewSecret()
                .withSecretName("token")
                .withDefaultMode(defaultMode)
                .endSecret()
                .build())
        .editFirstContainer()
        .addToVolumeMounts(
            new VolumeMountBuilder()
                .withName("token")
                .withMountPath("/etc/token")
                .withReadOnly(true)
                .build())
        .endContainer()
        .endSpec();
  }

  private static Pod finished(PodBuilder pod) {
    String name = pod.buildMetadata().getName();
    admin().pods().inNamespace(ns).resource(pod.build()).create();
    return awaitPod(
        ns, name, "terminal phase", p -> "Succeeded".equals(phase(p)) || "Failed".equals(phase(p)));
  }

  private static ContainerStateTerminated terminated(Pod pod) {
    return pod.getStatus().getContainerStatuses().getFirst().getState().getTerminated();
  }

  private static String log(Pod pod) {
    return kubelet.log(ns, pod.getMetadata().getName());
  }

  @Test
  void secretOfMode0400WithoutFsGroupIsRootsAndUnreadableByTheUser() {
    Pod pod =
        finished(
            withSecret(
                pod(
                    "no-fsgroup",
                    "stat -c '%a %u %g' /etc/token/..data/key; id -u; cat /etc/token/key"),
                0400));
    assertThat(log(pod)).startsWith("400 0 0\n10001\n").contains("Permission denied");
    assertThat(phase(pod)).isEqualTo("Failed");
    assertThat(terminated(pod).getExitCode()).isEqualTo(1);
  }

  @Test
  void fsGroupGivesTheSecretItsGroupWithGroupReadAndTheProcessThatGroup() {
    PodBuilder pod =
        withSecret(
            pod(
                "fsgroup",
                "stat -c '%a %u %g' /etc/token/..data/key; id -u; id -g; id -G; cat /etc/token/key"),
            0400);
    pod.editSpec()
        .editSecurityContext()
        .withFsGroup(2000L)
        .withSupplementalGroups(3000L)
        .endSecurityContext()
        .endSpec();
    Pod done = finished(pod);
    assertThat(log(done).lines().toList())
        .containsExactly("440 0 2000", "10001", "10001", "10001 2000 3000", "s3cret");
    assertThat(phase(done)).isEqualTo("Succeeded");
  }

  @Test
  void itemsModeOverridesDefaultModeAndFilesAreLinksThroughData() {
    PodBuilder pod =
        withSecret(
            pod(
                "items",
                "stat -c '%a' /etc/token/..data/sub/k; readlink /etc/token/sub; cat /etc/token/sub/k"),
            0444);
    pod.editSpec()
        .editFirstVolume()
        .editSecret()
        .addNewItem()
        .withKey("key")
        .withPath("sub/k")
        .withMode(0600)
        .endItem()
        .endSecret()
        .endVolume()
        .endSpec();
    Pod done = finished(pod);
    assertThat(log(done)).startsWith("600\n..data/sub\n").contains("Permission denied");
  }

  @Test
  void runAsNonRootRefusesAContainerThatWouldRunAsRoot() {
    PodBuilder explicit = pod("root-explicit", "true");
    explicit
        .editSpec()
        .editSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(0L)
        .endSecurityContext()
        .endSpec();
    PodBuilder fromImage = pod("root-image", "true");
    fromImage
        .editSpec()
        .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).build())
        .endSpec();
    for (PodBuilder pod : List.of(explicit, fromImage)) {
      String name = pod.buildMetadata().getName();
      admin().pods().inNamespace(ns).resource(pod.build()).create();
      Pod waiting =
          awaitPod(
              ns,
              name,
              "CreateContainerConfigError",
              p ->
                  p.getStatus().getContainerStatuses() != null
                      && !p.getStatus().getContainerStatuses().isEmpty()
                      && p.getStatus().getContainerStatuses().getFirst().getState().getWaiting()
                          != null
                      && "CreateContainerConfigError"
                          .equals(
                              p.getStatus()
                                  .getContainerStatuses()
                                  .getFirst()
                                  .getState()
                                  .getWaiting()
                                  .getReason()));
      assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
      assertThat(
              waiting
                  .getStatus()
                  .getContainerStatuses()
                  .getFirst()
                  .getState()
                  .getWaiting()
                  .getMessage())
          .contains("runAsNonRoot and image will run as root");
    }
  }

  @Test
  void aChangedSecretIsProjectedIntoTheRunningPod() {
    admin()
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("rotating")
                .endMetadata()
                .addToStringData("key", "v1")
                .build())
        .create();
    PodBuilder pod =
        pod(
            "rotation",
            "cat /etc/token/key; echo; while [ \"$(cat /etc/token/key)\" != v2 ]; do sleep 0.2; done;"
                + " cat /etc/token/key");
    withSecret(pod, 0444)
        .editSpec()
        .editFirstVolume()
        .editSecret()
        .withSecretName("rotating")
        .endSecret()
        .endVolume()
        .endSpec();
    admin().pods().inNamespace(ns).resource(pod.build()).create();
    awaitTrue(
        "v1 read",
        Duration.ofSeconds(60),
        () -> {
          try {
            return kubelet.log(ns, "rotation").startsWith("v1");
          } catch (IllegalArgumentException notYet) {
            return false;
          }
        });
    admin()
        .secrets()
        .inNamespace(ns)
        .withName("rotating")
        .edit(s -> new SecretBuilder(s).withData(null).addToStringData("key", "v2").build());
    Pod done = awaitPod(ns, "rotation", "v2 seen", p -> "Succeeded".equals(phase(p)));
    assertThat(log(done)).isEqualTo("v1\nv2");
  }

  @Test
  void emptyDirIsWorldWritableWithTheFsGroupAndSetgid() {
    PodBuilder pod = pod("emptydir", "stat -c '%a %g' /data; touch /data/f; stat -c '%g' /data/f");
    pod.editSpec()
        .editSecurityContext()
        .withFsGroup(2000L)
        .endSecurityContext()
        .addNewVolume()
        .withName("data")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .editFirstContainer()
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/data")
        .endVolumeMount()
        .endContainer()
        .endSpec();
    assertThat(log(finished(pod))).isEqualTo("2777 2000\n2000\n");
  }

  @Test
  void readOnlyRootFilesystemLeavesOnlyTheVolumesWritable() {
    String script =
        "touch $HOME/x 2>/dev/null && echo home=rw || echo home=ro;"
            + " touch /tmp/x 2>/dev/null && echo tmp=rw || echo tmp=ro;"
            + " touch /data/x && echo data=rw";
    PodBuilder readOnly = pod("rorootfs", script);
    readOnly
        .editSpec()
        .addNewVolume()
        .withName("data")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .editFirstContainer()
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/data")
        .endVolumeMount()
        .withNewSecurityContext()
        .withReadOnlyRootFilesystem(true)
        .endSecurityContext()
        .endContainer()
        .endSpec();
    assertThat(log(finished(readOnly))).isEqualTo("home=ro\ntmp=ro\ndata=rw\n");
    PodBuilder writable = pod("rwrootfs", script);
    writable
        .editSpec()
        .addNewVolume()
        .withName("data")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .editFirstContainer()
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/data")
        .endVolumeMount()
        .endContainer()
        .endSpec();
    assertThat(log(finished(writable))).isEqualTo("home=rw\ntmp=rw\ndata=rw\n");
  }

  @Test
  void terminationMessageComesFromTheFileOrTheLogOnError() {
    Pod file = finished(pod("message-file", "echo 'done: 42' > /dev/termination-log"));
    assertThat(terminated(file).getMessage()).isEqualTo("done: 42\n");
    assertThat(terminated(file).getReason()).isEqualTo("Completed");
    PodBuilder fallback = pod("message-log", "echo one; echo boom; exit 3");
    fallback
        .editSpec()
        .editFirstContainer()
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .endContainer()
        .endSpec();
    Pod failed = finished(fallback);
    assertThat(terminated(failed).getExitCode()).isEqualTo(3);
    assertThat(terminated(failed).getReason()).isEqualTo("Error");
    assertThat(terminated(failed).getMessage()).isEqualTo("one\nboom");
  }

  /**
   * The memory limit is the kernel's: a JVM that touches a 256 MiB heap in a container limited to
   * 64 MiB is OOM-killed (exit code 137, reason OOMKilled), the same process under a 512 MiB limit
   * completes.
   */
  @Test
  void aContainerBeyondItsMemoryLimitIsOomKilledByTheKernel() {
    Pod oom = finished(touchingHeap("oom", "64Mi"));
    assertThat(phase(oom)).isEqualTo("Failed");
    assertThat(terminated(oom).getExitCode()).isEqualTo(137);
    assertThat(terminated(oom).getReason()).isEqualTo("OOMKilled");
    Pod fits = finished(touchingHeap("fits", "512Mi"));
    assertThat(terminated(fits).getReason()).as(log(fits)).isEqualTo("Completed");
    assertThat(terminated(fits).getExitCode()).isZero();
  }

  /** A JVM that touches every page of a 256 MiB heap at start-up, then exits 0. */
  private static PodBuilder touchingHeap(String name, String memoryLimit) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    PodBuilder pod =
        pod(name, "exec \"$JAVA\" -Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseSerialGC -version");
    pod.editSpec()
        .editFirstContainer()
        .addNewEnv()
        .withName("JAVA")
        .withValue(java)
        .endEnv()
        .withNewResources()
        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity(memoryLimit))
        .endResources()
        .endContainer()
        .endSpec();
    return pod;
  }

  @Test
  void onFailureRestartsTheContainerAndCountsIt() {
    PodBuilder pod =
        pod(
            "restarts",
            "if [ -e /data/ran ]; then echo second; exit 0; fi; touch /data/ran; exit 1");
    pod.editSpec()
        .withRestartPolicy("OnFailure")
        .addNewVolume()
        .withName("data")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .editFirstContainer()
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/data")
        .endVolumeMount()
        .endContainer()
        .endSpec();
    Pod done = finished(pod);
    assertThat(phase(done)).isEqualTo("Succeeded");
    var status = done.getStatus().getContainerStatuses().getFirst();
    assertThat(status.getRestartCount()).isEqualTo(1);
    assertThat(status.getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(log(done)).isEqualTo("second\n");
  }

  @Test
  void deletionSendsSigtermThenSigkillAfterTheGracePeriodThenRemovesThePod() {
    UnaryOperator<PodBuilder> running = p -> p.editSpec().withRestartPolicy("Always").endSpec();
    admin()
        .pods()
        .inNamespace(ns)
        .resource(
            running
                .apply(
                    pod(
                        "graceful",
                        "trap 'echo got TERM; exit 0' TERM; echo started; while true; do sleep 0.1; done"))
                .build())
        .create();
    admin()
        .pods()
        .inNamespace(ns)
        .resource(
            running
                .apply(
                    pod("stubborn", "trap '' TERM; echo started; while true; do sleep 0.1; done"))
                .build())
        .create();
    for (String name : List.of("graceful", "stubborn")) {
      awaitTrue(
          name + " started",
          Duration.ofSeconds(60),
          () -> {
            try {
              return kubelet.log(ns, name).startsWith("started");
            } catch (IllegalArgumentException notYet) {
              return false;
            }
          });
    }
    Instant deleted = Instant.now();
    admin().pods().inNamespace(ns).withName("graceful").delete();
    admin().pods().inNamespace(ns).withName("stubborn").delete();
    awaitTrue(
        "graceful removed",
        Duration.ofSeconds(30),
        () -> admin().pods().inNamespace(ns).withName("graceful").get() == null);
    Duration graceful = Duration.between(deleted, Instant.now());
    awaitTrue(
        "stubborn removed",
        Duration.ofSeconds(30),
        () -> admin().pods().inNamespace(ns).withName("stubborn").get() == null);
    Duration stubborn = Duration.between(deleted, Instant.now());
    assertThat(kubelet.log(ns, "graceful")).contains("got TERM");
    assertThat(graceful).isLessThan(Duration.ofSeconds(2));
    assertThat(stubborn)
        .as("killed only after the 2 s grace period")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void environmentFromSecretsAndTheDownwardApiAndNothingFromTheTestJvm() {
    PodBuilder pod = pod("env", "echo \"$TOKEN $POD_IP $MY_NAME ${JAVA_HOME:-none}\"");
    pod.editSpec()
        .editFirstContainer()
        .addNewEnv()
        .withName("TOKEN")
        .withNewValueFrom()
        .withNewSecretKeyRef("key", "token", null)
        .endValueFrom()
        .endEnv()
        .addNewEnv()
        .withName("POD_IP")
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath("status.podIP")
        .endFieldRef()
        .endValueFrom()
        .endEnv()
        .addNewEnv()
        .withName("MY_NAME")
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath("metadata.name")
        .endFieldRef()
        .endValueFrom()
        .endEnv()
        .endContainer()
        .endSpec();
    Pod done = finished(pod);
    assertThat(log(done)).isEqualTo("s3cret " + done.getStatus().getPodIP() + " env none\n");
  }
}
