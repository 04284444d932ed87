package io.lorafleet.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's object-store settings: the operator's endpoint allow-list (review O4) and the
 * evaluation MinIO on a read-only root file system (review O2: MinIO creates {@code $HOME/.minio}
 * at start, and the image's HOME is {@code /}).
 */
class ChartStorageTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static Helm helm;
  private static Path chart;

  @BeforeAll
  static void installHelm() throws Exception {
    Path root = Path.of(System.getProperty("lorafleet.root"));
    chart = root.resolve("charts/lorafleet");
    helm = Helm.install(root.resolve("operator/target"));
  }

  @Test
  void theAllowListReachesTheOperatorAndBadEntriesAreRefused() throws Exception {
    JsonNode operator =
        container(
            "operator",
            "objectStore.allowedEndpoints={https://s3.eu-west-1.amazonaws.com,http://*.storage.svc:9000}");
    assertThat(env(operator, "LORAFLEET_OPERATOR_ALLOWED_S3_ENDPOINTS"))
        .isEqualTo("https://s3.eu-west-1.amazonaws.com,http://*.storage.svc:9000");
    assertThat(env(container("operator", ""), "LORAFLEET_OPERATOR_ALLOWED_S3_ENDPOINTS")).isNull();
    assertThatThrownBy(
            () ->
                helm.run(
                    "lint",
                    "--strict",
                    chart.toString(),
                    "--set",
                    "objectStore.allowedEndpoints={s3.amazonaws.com}"))
        .hasMessageContaining("allowedEndpoints");
  }

  @Test
  void minioWritesItsHomeOnlyWhereItIsWritable() throws Exception {
    JsonNode minio = container("minio", "minio.enabled=true");
    assertThat(minio.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
    List<String> writable = new ArrayList<>();
    minio.path("volumeMounts").forEach(m -> writable.add(m.path("mountPath").asText()));
    String home = env(minio, "HOME");
    assertThat(home).as("HOME (MinIO creates $HOME/.minio)").isNotNull();
    assertThat(writable).anySatisfy(dir -> assertThat(home).startsWith(dir));
    List<String> args = new ArrayList<>();
    minio.path("args").forEach(a -> args.add(a.asText()));
    int certs = args.indexOf("--certs-dir");
    assertThat(certs).as("--certs-dir").isNotNegative();
    assertThat(writable).anySatisfy(dir -> assertThat(args.get(certs + 1)).startsWith(dir));
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode env : container.path("env")) {
      if (name.equals(env.path("name").asText())) {
        return env.path("value").asText();
      }
    }
    return null;
  }

  /** The first container named {@code name} in a rendered Deployment. */
  private static JsonNode container(String name, String values) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("template", "t", chart.toString(), "--namespace", "lorafleet"));
    if (!values.isEmpty()) {
      args.addAll(List.of("--set", values));
    }
    String yaml = helm.run(args.toArray(String[]::new));
    try (var parser = YAML.createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc == null || !"Deployment".equals(doc.path("kind").asText())) {
          continue;
        }
        for (JsonNode c : doc.path("spec").path("template").path("spec").path("containers")) {
          if (name.equals(c.path("name").asText())) {
            return c;
          }
        }
      }
    }
    throw new AssertionError("no container " + name);
  }
}
