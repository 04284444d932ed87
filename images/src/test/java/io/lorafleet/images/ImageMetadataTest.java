package io.lorafleet.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each image: a numeric non-root user, an exec-form java entry point, the OCI labels, and no shell
 * in the image at all (so nothing at run time can depend on one).
 */
class ImageMetadataTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(strings = {"operator", "server", "trainer"})
  void numericUserExecEntryPointLabelsAndNoShell(String which) throws Exception {
    Podman podman = Podman.fromBuild();
    Properties built = ImagesDir.built();
    String image = built.getProperty(which);
    JsonNode config =
        JSON.readTree(
            podman.check(
                Duration.ofSeconds(30), "image", "inspect", "--format", "{{json .Config}}", image));
    assertThat(config.path("User").asText()).isEqualTo("10001:10001");
    assertThat(config.path("Entrypoint").path(0).asText()).isEqualTo("java");
    JsonNode labels = config.path("Labels");
    assertThat(labels.path("org.opencontainers.image.version").asText())
        .isEqualTo(built.getProperty("version"));
    assertThat(labels.path("org.opencontainers.image.revision").asText())
        .isEqualTo(built.getProperty("revision"))
        .matches("[0-9a-f]{40}(-dirty)?");
    assertThat(labels.path("org.opencontainers.image.source").asText()).startsWith("https://");

    Podman.Result shell =
        podman.run(
            Duration.ofSeconds(60), "run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true");
    assertThat(shell.exitCode()).as("a shell in the image: " + shell.output()).isNotZero();
  }
}
