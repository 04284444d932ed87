package io.lorafleet.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's logFormat switches JSON logs for the operator and the server pods it creates: json by
 * default in the chart (the applications themselves default to plain text).
 */
class ChartLogFormatTest {
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
  void jsonLogsByDefaultForTheOperatorAndItsServerPods() throws Exception {
    Map<String, String> env = operatorEnv("");
    assertThat(env)
        .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true")
        .containsEntry("LORAFLEET_OPERATOR_SERVING_JSON_LOGS", "true");
  }

  @Test
  void textLogsWhenAsked() throws Exception {
    Map<String, String> env = operatorEnv("logFormat=text");
    assertThat(env)
        .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false")
        .containsEntry("LORAFLEET_OPERATOR_SERVING_JSON_LOGS", "false");
  }

  @Test
  void anUnknownFormatIsRefused() {
    assertThatThrownBy(
            () -> helm.run("lint", "--strict", chart.toString(), "--set", "logFormat=xml"))
        .hasMessageContaining("logFormat");
  }

  private static Map<String, String> operatorEnv(String values) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("template", "t", chart.toString(), "--namespace", "lorafleet"));
    if (!values.isEmpty()) {
      args.addAll(List.of("--set", values));
    }
    String yaml = helm.run(args.toArray(String[]::new));
    try (var parser = YAML.createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc != null && doc.path("kind").asText().equals("Deployment")) {
          Map<String, String> env = new HashMap<>();
          for (JsonNode e : doc.at("/spec/template/spec/containers/0/env")) {
            env.put(e.path("name").asText(), e.path("value").asText());
          }
          return env;
        }
      }
    }
    throw new AssertionError("no Deployment rendered");
  }
}
