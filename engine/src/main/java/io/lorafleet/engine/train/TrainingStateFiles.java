package io.lorafleet.engine.train;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link TrainingState} as one safetensors file: every tensor in fp32 under its name (in the
 * state's name order), the step count in the header metadata ({@code lorafleet.steps}), written
 * atomically.
 */
public final class TrainingStateFiles {
  static final String FORMAT = "lorafleet-training-state";
  static final String STEPS_KEY = "lorafleet.steps";

  private TrainingStateFiles() {}

  public static void write(TrainingState state, Path file) throws IOException {
    List<Tensor> tensors = new ArrayList<>();
    for (Map.Entry<String, float[]> e : state.tensors().entrySet()) {
      int[] shape = state.shapes().get(e.getKey());
      if (shape == null) {
        throw new IllegalArgumentException("tensor " + e.getKey() + " has no shape");
      }
      List<Long> dims = new ArrayList<>();
      for (int d : shape) {
        dims.add((long) d);
      }
      tensors.add(Tensor.ofFloats(e.getKey(), DType.F32, dims, e.getValue()));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put(STEPS_KEY, Long.toString(state.steps()));
    SafetensorsWriter.write(file, tensors, meta);
  }

  public static TrainingState read(Path file) throws IOException {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, String> meta = f.header().metadata();
      String steps = meta.get(STEPS_KEY);
      if (!FORMAT.equals(meta.get("format")) || steps == null) {
        throw new IOException(file + " is not a Lorafleet training state (no " + STEPS_KEY + ")");
      }
      Map<String, float[]> tensors = new LinkedHashMap<>();
      Map<String, int[]> shapes = new LinkedHashMap<>();
      for (String name : f.names()) {
        TensorInfo info = f.info(name);
        int[] shape = new int[info.rank()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = Math.toIntExact(info.dim(i));
        }
        tensors.put(name, f.readFloats(name));
        shapes.put(name, shape);
      }
      try {
        return new TrainingState(tensors, shapes, Long.parseLong(steps));
      } catch (NumberFormatException e) {
        throw new IOException(file + ": " + STEPS_KEY + " is not a number: " + steps, e);
      }
    }
  }
}
