package io.lorafleet.artifacts.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {
  @TempDir Path dir;

  private void shards() throws IOException {
    SafetensorsWriter.write(
        dir.resolve("model-00001-of-00002.safetensors"),
        List.of(Tensor.ofFloats("a", DType.F32, List.of(2L), new float[] {1, 2})),
        Map.of("format", "pt"));
    SafetensorsWriter.write(
        dir.resolve("model-00002-of-00002.safetensors"),
        List.of(Tensor.ofFloats("b", DType.BF16, List.of(1L), new float[] {3})),
        Map.of("format", "pt"));
  }

  private void index(String weightMap) throws IOException {
    Files.writeString(
        dir.resolve(ShardedSafetensors.INDEX_FILE),
        "{\"metadata\":{\"total_size\":10},\"weight_map\":" + weightMap + "}");
  }

  @Test
  void readsTensorsAcrossShards() throws IOException {
    shards();
    index(
        "{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}");
    try (ShardedSafetensors s = ShardedSafetensors.open(dir)) {
      assertThat(s.names()).containsExactly("a", "b");
      assertThat(s.readFloats("a")).containsExactly(1f, 2f);
      assertThat(s.readFloats("b")).containsExactly(3f);
      assertThat(s.shards()).hasSize(2);
    }
  }

  @Test
  void indexAndShardsMustAgree() throws IOException {
    shards();
    index(
        "{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\"}");
    assertThatThrownBy(() -> ShardedSafetensors.open(dir))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessage(
            "tensor 'b': listed in the index but missing from model-00001-of-00002.safetensors");

    SafetensorsWriter.write(
        dir.resolve("model-00001-of-00002.safetensors"),
        List.of(
            Tensor.ofFloats("a", DType.F32, List.of(2L), new float[] {1, 2}),
            Tensor.ofFloats("stray", DType.F32, List.of(1L), new float[] {0})),
        Map.of());
    index(
        "{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}");
    assertThatThrownBy(() -> ShardedSafetensors.open(dir))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessage(
            "tensor 'stray': present in model-00001-of-00002.safetensors but the index maps it to"
                + " no shard");
  }

  @Test
  void shardNamesCannotEscapeTheDirectory() throws IOException {
    index("{\"a\":\"../other/model.safetensors\"}");
    assertThatThrownBy(() -> ShardedSafetensors.open(dir))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageContaining("tensor 'a'")
        .hasMessageContaining("not a .safetensors file in the same directory");
  }

  @Test
  void singleFileModel() throws IOException {
    SafetensorsWriter.write(
        dir.resolve("model.safetensors"),
        List.of(Tensor.ofFloats("w", DType.F16, List.of(1L), new float[] {0.5f})),
        Map.of());
    try (ShardedSafetensors s = ShardedSafetensors.open(dir)) {
      assertThat(s.readFloats("w")).containsExactly(0.5f);
    }
  }

  @Test
  void emptyDirectoryIsExplained() {
    assertThatThrownBy(() -> ShardedSafetensors.open(dir))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageContaining("has neither model.safetensors nor model.safetensors.index.json");
  }
}
