package io.lorafleet.serving.pod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pod-state body survives the trip server to router, whatever either mapper's naming. */
class PodStateTest {
  private static final PodState STATE =
      new PodState(
          7,
          "tiny-llama",
          true,
          false,
          16,
          8,
          3,
          2,
          1,
          List.of(
              new PodState.Resident("a", "sha256:" + "0".repeat(64), PodState.DEVICE),
              new PodState.Resident("b", "sha256:" + "1".repeat(64), PodState.DISK)),
          List.of("a", "b", "c"));

  @Test
  void roundTripsThroughTheServersSnakeCaseMapperAndThePlainOne() throws Exception {
    ObjectMapper server =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    ObjectMapper router = new ObjectMapper();
    byte[] wire = server.writeValueAsBytes(STATE);
    assertThat(router.readValue(wire, PodState.class)).isEqualTo(STATE);
    assertThat(server.readValue(router.writeValueAsBytes(STATE), PodState.class)).isEqualTo(STATE);
  }

  @Test
  void fieldNamesOnTheWireAreSnakeCase() throws Exception {
    JsonNode n = new ObjectMapper().valueToTree(STATE);
    assertThat(n.fieldNames())
        .toIterable()
        .containsExactly(
            "version",
            "base_model",
            "ready",
            "draining",
            "max_running",
            "max_loaded",
            "running",
            "waiting",
            "loading",
            "adapters",
            "registered");
    assertThat(n.path("adapters").get(0).path("tier").asText()).isEqualTo("device");
  }

  @Test
  void unknownFieldsFromANewerPodAreIgnoredAndMissingListsAreEmpty() throws Exception {
    PodState s =
        new ObjectMapper()
            .readValue(
                "{\"version\":3,\"ready\":true,\"max_running\":4,\"future\":{\"x\":1}}",
                PodState.class);
    assertThat(s.version()).isEqualTo(3);
    assertThat(s.maxRunning()).isEqualTo(4);
    assertThat(s.adapters()).isEmpty();
    assertThat(s.registered()).isEmpty();
    assertThat(s.baseModel()).isNull();
  }
}
