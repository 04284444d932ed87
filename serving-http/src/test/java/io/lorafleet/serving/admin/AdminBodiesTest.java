package io.lorafleet.serving.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The admin API's bodies survive the trip operator to server and back, whatever either mapper's
 * naming (the server's is snake_case, the operator's plain), with the wire names vLLM uses.
 */
class AdminBodiesTest {
  private static final ObjectMapper SERVER =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
  private static final ObjectMapper OPERATOR = new ObjectMapper();
  private static final String DIGEST = "sha256:" + "b".repeat(64);

  private static <T> void roundTrips(T body, Class<T> type) throws Exception {
    assertThat(SERVER.readValue(OPERATOR.writeValueAsBytes(body), type)).isEqualTo(body);
    assertThat(OPERATOR.readValue(SERVER.writeValueAsBytes(body), type)).isEqualTo(body);
  }

  @Test
  void requestsRoundTripWithVllmsFieldNames() throws Exception {
    var load = new LoadAdapterRequest("tone", "s3://m/a/sha256-x/", true, true);
    roundTrips(load, LoadAdapterRequest.class);
    roundTrips(new AdapterNameRequest("tone"), AdapterNameRequest.class);
    roundTrips(
        new RegisterAdapterRequest("tone", "s3://m/a/sha256-x/", DIGEST),
        RegisterAdapterRequest.class);
    JsonNode wire = OPERATOR.valueToTree(load);
    assertThat(wire.fieldNames())
        .toIterable()
        .containsExactly("lora_name", "lora_path", "load_inplace", "pinned");
  }

  @Test
  void pinnedIsNotSentWhenNotAskedFor() {
    JsonNode wire = OPERATOR.valueToTree(new LoadAdapterRequest("tone", "/a", true, null));
    assertThat(wire.has("pinned")).as("vLLM pods never see our extension").isFalse();
  }

  @Test
  void listingsRoundTripAndToleratePartialRows() throws Exception {
    var probe = new AdapterList.Probe(null, false, false, 1e-4, 12, 3.5);
    var list =
        new AdapterList(
            List.of(
                new AdapterList.Adapter(
                    "tone", DIGEST, 8, "device", null, true, 3, "s3://m/a/", probe)));
    roundTrips(list, AdapterList.class);
    assertThat(OPERATOR.valueToTree(list).path("data").get(0).path("probe").has("max_logit_diff"))
        .as("a non-number difference is written as null, not left out")
        .isTrue();
    var registered =
        new RegisteredAdapters(List.of(new RegisteredAdapters.Registered("tone", "/a", DIGEST)));
    roundTrips(registered, RegisteredAdapters.class);
    AdapterList partial =
        OPERATOR.readValue(
            "{\"data\":[{\"name\":\"x\",\"digest\":\"" + DIGEST + "\",\"extra\":1}]}",
            AdapterList.class);
    assertThat(partial.data()).singleElement().satisfies(a -> assertThat(a.probe()).isNull());
    assertThat(OPERATOR.readValue("{}", RegisteredAdapters.class).data()).isEmpty();
  }
}
