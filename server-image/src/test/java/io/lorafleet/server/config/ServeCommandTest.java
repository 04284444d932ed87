package io.lorafleet.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line as configuration: drain deadline and object-store adapter roots. */
class ServeCommandTest {
  @Test
  void quarkusWaitsForTheDrainPlusTheWriteGraceNotASecondDrain() {
    assertThat(ServeCommand.properties(Map.of(), "serve", "--model", "m", "--drain-timeout", "3s"))
        .containsEntry("lorafleet.server.drain-timeout", "3s")
        .containsEntry("quarkus.shutdown.timeout", "5000ms");
    assertThat(ServeCommand.properties(Map.of(), "--model", "m"))
        .as("default: 25 s + 2 s, inside Kubernetes' default 30 s grace period")
        .containsEntry("quarkus.shutdown.timeout", "27000ms");
    assertThat(
            ServeCommand.properties(
                Map.of("LORAFLEET_SERVER_DRAIN_TIMEOUT", "PT10S"), "--model", "m"))
        .containsEntry("quarkus.shutdown.timeout", "12000ms");
    assertThatThrownBy(
            () -> ServeCommand.properties(Map.of(), "--model", "m", "--drain-timeout", "soon"))
        .isInstanceOf(ServeCommand.UsageException.class)
        .hasMessageContaining("--drain-timeout");
  }

  @Test
  void adapterS3RootsAreRepeatable() {
    assertThat(
            ServeCommand.properties(
                Map.of(),
                "--model",
                "m",
                "--adapter-s3-root",
                "s3://a/x",
                "--adapter-s3-root=s3://b/y"))
        .containsEntry("lorafleet.server.adapter-s3-roots", "s3://a/x,s3://b/y");
  }
}
