package io.lorafleet.operator.testing.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodFilesystemTest {
  private final PodFilesystem fs =
      PodFilesystem.of(
          Map.of(
              "/tmp", Path.of("/tmp/ci/pod/scratch"),
              "/etc/lorafleet", Path.of("/tmp/ci/pod/config"),
              "/var/run/lorafleet/credentials/s3", Path.of("/tmp/ci/pod/credentials-0")));

  @Test
  void translatesEachPathOnceEvenWhenTheLocalDirectoryIsUnderAMountPath() {
    assertThat(fs.translate("/etc/lorafleet/trainer.json"))
        .isEqualTo("/tmp/ci/pod/config/trainer.json");
    assertThat(fs.translate("/tmp")).isEqualTo("/tmp/ci/pod/scratch");
  }

  @Test
  void translatesPathsInsideConfigFilesButNotLookalikes() {
    assertThat(fs.translate("{\"credentialsDir\":\"/var/run/lorafleet/credentials/s3\"}"))
        .isEqualTo("{\"credentialsDir\":\"/tmp/ci/pod/credentials-0\"}");
    assertThat(fs.translate("s3://bucket/tmp/x /tmpfiles /etc/lorafleet-other"))
        .isEqualTo("s3://bucket/tmp/x /tmpfiles /etc/lorafleet-other");
  }

  @Test
  void secretFilesGetTheKubeletsModeAndAreWithheldFromAUserThatCannotReadThem(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    var container =
        new io.fabric8.kubernetes.api.model.ContainerBuilder()
            .withName("c")
            .withImage("ghcr.io/lorafleet/server:0.1.0")
            .build();
    var secret =
        new io.fabric8.kubernetes.api.model.VolumeBuilder()
            .withName("s")
            .withNewSecret()
            .withSecretName("s")
            .withDefaultMode(0400)
            .endSecret()
            .build();
    var noFsGroup =
        new io.fabric8.kubernetes.api.model.PodSpecBuilder().withVolumes(secret).build();
    // Root-owned 0400: the image's user 10001 cannot read it.
    assertThat(PodFilesystem.writeAsKubelet(noFsGroup, container, secret, dir, "token", "t0k"))
        .isFalse();
    assertThat(java.nio.file.Files.readString(dir.resolve("token"))).isEmpty();
    assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("token"))).isEmpty();

    var withFsGroup =
        new io.fabric8.kubernetes.api.model.PodSpecBuilder()
            .withVolumes(secret)
            .withNewSecurityContext()
            .withFsGroup(10001L)
            .endSecurityContext()
            .build();
    // With an fsGroup the kubelet adds group read (0440) and the group is the process's.
    assertThat(PodFilesystem.writeAsKubelet(withFsGroup, container, secret, dir, "token", "t0k"))
        .isTrue();
    assertThat(java.nio.file.Files.readString(dir.resolve("token"))).isEqualTo("t0k");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(dir.resolve("token"))))
        .isEqualTo("r--r-----");
  }
}
