package io.lorafleet.serving.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.lorafleet.serving.router.RolloutTraffic.VersionTraffic;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The router's per-version counts survive the trip to the operator and add up across routers. */
class RolloutTrafficTest {
  private static final String DIGEST = "sha256:" + "a".repeat(64);

  private static VersionTraffic traffic(long requests, long failures, int bucket, long inBucket) {
    List<Long> counts = new ArrayList<>(VersionTraffic.empty().ttftCounts());
    counts.set(bucket, inBucket);
    return new VersionTraffic(requests, failures, counts);
  }

  @Test
  void roundTripsWhateverEitherMappersNaming() throws Exception {
    var body =
        new RolloutTraffic.Rollouts(
            List.of(
                new RolloutTraffic(
                    "support", DIGEST, 1, traffic(90, 1, 3, 90), traffic(10, 0, 4, 10))));
    ObjectMapper router =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    ObjectMapper operator = new ObjectMapper();
    assertThat(operator.readValue(router.writeValueAsBytes(body), RolloutTraffic.Rollouts.class))
        .isEqualTo(body);
    JsonNode first = operator.readTree(operator.writeValueAsBytes(body)).path("rollouts").get(0);
    assertThat(first.path("served_name").asText()).isEqualTo("support");
    assertThat(first.path("canary").path("ttft_counts").size()).isEqualTo(13);
  }

  @Test
  void mergesTheSameWindowAndRefusesAnother() {
    var a = new RolloutTraffic("support", DIGEST, 1, traffic(90, 1, 3, 90), traffic(10, 0, 4, 10));
    var b = new RolloutTraffic("support", DIGEST, 1, traffic(80, 2, 3, 80), traffic(20, 3, 4, 20));
    var merged = a.merge(b);
    assertThat(merged.stable().requests()).isEqualTo(170);
    assertThat(merged.canary().failures()).isEqualTo(3);
    assertThat(merged.canary().errorRate()).isEqualTo(0.1);
    assertThat(merged.canary().ttftCounts().get(4)).isEqualTo(30);
    var nextStep = new RolloutTraffic("support", DIGEST, 2, b.stable(), b.canary());
    assertThatThrownBy(() -> a.merge(nextStep)).hasMessageContaining("different rollout windows");
  }

  @Test
  void p95IsTheUpperBoundOfItsBucket() {
    List<Long> counts = new ArrayList<>(VersionTraffic.empty().ttftCounts());
    counts.set(2, 94L); // <= 25 ms
    counts.set(5, 6L); // <= 250 ms
    assertThat(new VersionTraffic(100, 0, counts).ttftP95Ms()).isEqualTo(250.0);
    counts.set(2, 95L);
    counts.set(5, 5L);
    assertThat(new VersionTraffic(100, 0, counts).ttftP95Ms()).isEqualTo(25.0);
    assertThat(VersionTraffic.empty().ttftP95Ms()).isNull();
    assertThat(VersionTraffic.empty().errorRate()).isZero();
    assertThatThrownBy(() -> new VersionTraffic(1, 0, List.of(1L)))
        .hasMessageContaining("expected 13");
  }
}
