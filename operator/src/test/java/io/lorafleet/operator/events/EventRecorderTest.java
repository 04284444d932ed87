package io.lorafleet.operator.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review O3: a repeated event (a flapping condition) is one Event whose count grows, as client-go's
 * recorder does, not a new object each time. Pure logic over the API: the Fabric8 mock suffices.
 */
@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {
  KubernetesClient client;

  private static ConfigMap object() {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName("flappy")
        .withNamespace("ns")
        .withUid("0000-1111")
        .endMetadata()
        .build();
  }

  private List<Event> events(String reason) {
    return client.v1().events().inNamespace("ns").list().getItems().stream()
        .filter(e -> e.getReason().equals(reason))
        .toList();
  }

  @Test
  void theSameEventAgainIsCountedNotCreatedAgain() {
    EventRecorder recorder = new EventRecorder(client);
    for (int i = 0; i < 3; i++) {
      recorder.record(object(), EventRecorder.Type.Warning, "ObjectStoreUnavailable", "down");
    }
    recorder.record(object(), EventRecorder.Type.Normal, "Available", "2/2 pods ready");
    assertThat(events("ObjectStoreUnavailable")).hasSize(1);
    assertThat(events("ObjectStoreUnavailable").getFirst().getCount()).isEqualTo(3);
    assertThat(events("Available")).hasSize(1);

    // Another message is another event.
    recorder.record(object(), EventRecorder.Type.Warning, "ObjectStoreUnavailable", "timeout");
    assertThat(events("ObjectStoreUnavailable")).hasSize(2);

    // A restarted operator counts on from what is stored.
    new EventRecorder(client)
        .record(object(), EventRecorder.Type.Warning, "ObjectStoreUnavailable", "down");
    assertThat(events("ObjectStoreUnavailable"))
        .filteredOn(e -> e.getMessage().equals("down"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(4));
  }
}
