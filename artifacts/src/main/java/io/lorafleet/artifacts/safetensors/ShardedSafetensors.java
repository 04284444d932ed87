package io.lorafleet.artifacts.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The weights of an HF model directory: a single {@code model.safetensors} or the shards listed by
 * {@code model.safetensors.index.json}. The index and the shards must agree exactly.
 */
public final class ShardedSafetensors implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final Map<String, SafetensorsFile> shardByTensor;
  private final Map<String, SafetensorsFile> shards;

  private ShardedSafetensors(
      Map<String, SafetensorsFile> shardByTensor, Map<String, SafetensorsFile> shards) {
    this.shardByTensor = shardByTensor;
    this.shards = shards;
  }

  /** Opens the weights of {@code dir}, preferring the index when both layouts are present. */
  public static ShardedSafetensors open(Path dir) throws IOException {
    Path index = dir.resolve(INDEX_FILE);
    if (Files.exists(index)) {
      return openIndexed(dir, readWeightMap(index));
    }
    Path single = dir.resolve(SINGLE_FILE);
    if (!Files.exists(single)) {
      throw new SafetensorsFormatException(
          dir + " has neither " + SINGLE_FILE + " nor " + INDEX_FILE);
    }
    SafetensorsFile f = SafetensorsFile.open(single);
    Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    f.names().forEach(n -> byTensor.put(n, f));
    return new ShardedSafetensors(byTensor, Map.of(SINGLE_FILE, f));
  }

  /** Parses and validates the {@code weight_map} of an index file. */
  public static Map<String, String> readWeightMap(Path index) throws IOException {
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readAllBytes(index));
    } catch (JacksonException e) {
      throw new SafetensorsFormatException(
          INDEX_FILE + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new SafetensorsFormatException(INDEX_FILE + " has no weight_map object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      String file = e.getValue().isTextual() ? e.getValue().textValue() : "";
      if (!file.endsWith(".safetensors") || file.contains("/") || file.contains("\\")) {
        throw new SafetensorsFormatException(
            "tensor '"
                + e.getKey()
                + "': "
                + INDEX_FILE
                + " names shard '"
                + e.getValue()
                + "', which is not a .safetensors file in the same directory");
      }
      out.put(e.getKey(), file);
    }
    return out;
  }

  private static ShardedSafetensors openIndexed(Path dir, Map<String, String> weightMap)
      throws IOException {
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    try {
      for (String file : new LinkedHashSet<>(weightMap.values())) {
        shards.put(file, SafetensorsFile.open(dir.resolve(file)));
      }
      Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        SafetensorsFile shard = shards.get(e.getValue());
        if (!shard.names().contains(e.getKey())) {
          throw new SafetensorsFormatException(
              "tensor '" + e.getKey() + "': listed in the index but missing from " + e.getValue());
        }
        byTensor.put(e.getKey(), shard);
      }
      for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) {
        for (String name : s.getValue().names()) {
          if (!s.getKey().equals(weightMap.get(name))) {
            throw new SafetensorsFormatException(
                "tensor '"
                    + name
                    + "': present in "
                    + s.getKey()
                    + " but the index maps it to "
                    + weightMap.getOrDefault(name, "no shard"));
          }
        }
      }
      return new ShardedSafetensors(byTensor, shards);
    } catch (IOException | RuntimeException e) {
      shards.values().forEach(SafetensorsFile::close);
      throw e;
    }
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(shardByTensor.keySet());
  }

  public TensorInfo info(String name) {
    return shard(name).info(name);
  }

  public MemorySegment data(String name) {
    return shard(name).data(name);
  }

  public float[] readFloats(String name) {
    return shard(name).readFloats(name);
  }

  /** Shard files by name, in index order. */
  public Map<String, SafetensorsFile> shards() {
    return Collections.unmodifiableMap(shards);
  }

  private SafetensorsFile shard(String name) {
    SafetensorsFile f = shardByTensor.get(name);
    if (f == null) {
      throw new SafetensorsFormatException("no tensor named '" + name + "'");
    }
    return f;
  }

  @Override
  public void close() {
    shards.values().forEach(SafetensorsFile::close);
  }
}
