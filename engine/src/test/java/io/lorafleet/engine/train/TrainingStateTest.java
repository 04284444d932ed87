package io.lorafleet.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingStateTest {

  @Test
  void tensorsAndShapesIterateInNameOrderWhateverOrderTheyCameIn() {
    // A state's iteration order must not depend on the JVM run (an unordered map's order does),
    // so anything that walks, writes or hashes it sees the same sequence every time.
    Map<String, float[]> tensors = new HashMap<>();
    Map<String, int[]> shapes = new HashMap<>();
    List<String> sorted = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String name = "layers." + (char) ('a' + i) + ".lora_A.weight";
      sorted.add(name);
      tensors.put(name, new float[] {i});
      shapes.put(name, new int[] {1, 1});
    }
    TrainingState state = new TrainingState(tensors, shapes, 3);

    assertThat(state.tensors().keySet()).containsExactlyElementsOf(sorted);
    assertThat(state.shapes().keySet()).containsExactlyElementsOf(sorted);
    assertThat(state.tensors().get(sorted.get(5))).containsExactly(5f);
  }

  @Test
  void aStateIsACopyTheCallerCannotChangeAndRefusesMissingTensors() {
    Map<String, float[]> tensors = new HashMap<>(Map.of("a", new float[1]));
    TrainingState state = new TrainingState(tensors, Map.of("a", new int[] {1}), 0);
    tensors.put("b", new float[1]);

    assertThat(state.tensors()).containsOnlyKeys("a");
    assertThatThrownBy(() -> state.tensors().put("c", new float[1]))
        .isInstanceOf(UnsupportedOperationException.class);
    Map<String, float[]> withNull = new HashMap<>();
    withNull.put("a", null);
    assertThatThrownBy(() -> new TrainingState(withNull, Map.of(), 0))
        .isInstanceOf(NullPointerException.class);
  }
}
