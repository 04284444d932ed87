package io.lorafleet.artifacts.safetensors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A validated header: tensors in header order, the {@code __metadata__} map, and where the data
 * buffer starts in the file.
 */
public record SafetensorsHeader(
    Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart, long dataSize) {

  public SafetensorsHeader {
    tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  public TensorInfo tensor(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new SafetensorsFormatException("no tensor named '" + name + "'");
    }
    return t;
  }
}
