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
}
