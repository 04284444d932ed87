package io.lorafleet.bench.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodLoadsTest {
  // the shape the server's Micrometer registry writes (labels sorted, counts as floats)
  private static final String POD_A =
      """
      # HELP lorafleet_server_adapter_load_seconds Adapter loads into memory
      # TYPE lorafleet_server_adapter_load_seconds summary
      lorafleet_server_adapter_load_seconds_count{adapter="a0",from="local"} 1.0
      lorafleet_server_adapter_load_seconds_sum{adapter="a0",from="local"} 0.25
      lorafleet_server_adapter_load_seconds_count{adapter="a0",from="disk"} 3.0
      lorafleet_server_adapter_load_seconds_count{adapter="a17",from="local"} 1.0
      lorafleet_server_adapter_load_seconds_max{adapter="a17",from="local"} 0.1
      # TYPE lorafleet_server_adapter_evictions_total counter
      lorafleet_server_adapter_evictions_total{tier="device"} 5.0
      lorafleet_server_adapter_evictions_total{tier="host"} 2.0
      lorafleet_server_requests_total{model="a0",outcome="completed"} 9.0
      """;
  private static final String POD_B =
      """
      lorafleet_server_adapter_load_seconds_count{adapter="a3",from="local"} 1.0
      lorafleet_server_adapter_load_seconds_count{adapter="a4",from="object-store"} 1.0
      """;

  @Test
  void countsEachKindOfLoadOnAPod() {
    assertThat(PodLoads.of(POD_A)).isEqualTo(new PodLoads(2, 3, 5));
    assertThat(PodLoads.of(POD_B)).isEqualTo(new PodLoads(1, 0, 0));
    assertThat(PodLoads.of("")).isEqualTo(new PodLoads(0, 0, 0));
  }

  @Test
  void thePoolIsTheSumOfItsPodsAndARunIsTheDifference() {
    PodLoads before = PodLoads.pool(List.of(POD_B, ""));
    PodLoads after = PodLoads.pool(List.of(POD_B, POD_A));
    assertThat(after).isEqualTo(new PodLoads(3, 3, 5));
    assertThat(after.since(before)).isEqualTo(new PodLoads(2, 3, 5));
  }

  @Test
  void aCounterThatWentDownIsRefused() {
    assertThatThrownBy(() -> PodLoads.of(POD_B).since(PodLoads.of(POD_A)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("went down");
  }

  @Test
  void samplesAreMatchedByNameAndEveryGivenLabel() {
    String text =
        """
        m_total{route="cold",result="ok"} 2
        m_total{route="cold",result="error"} 1
        m_total{route="resident",result="ok"} 4
        m_total_other{route="cold",result="ok"} 100
        m_total 7
        """;
    assertThat(PrometheusText.sum(text, "m_total", Map.of("route", "cold"))).isEqualTo(3);
    assertThat(PrometheusText.sum(text, "m_total", Map.of("route", "cold", "result", "ok")))
        .isEqualTo(2);
    assertThat(PrometheusText.sum(text, "m_total", Map.of())).isEqualTo(14);
    assertThat(PrometheusText.sum(text, "absent", Map.of())).isZero();
  }
}
