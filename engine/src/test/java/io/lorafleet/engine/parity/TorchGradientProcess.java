package io.lorafleet.engine.parity;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link TorchReference#loraGradients} in a JVM of its own, one per call.
 *
 * <p>Why a process: with DJL 0.33 and libtorch 2.5.1 (CPU), the first autograd pass of a JVM is
 * right, but a later one, on another model in the same JVM, returned all-zero or all-NaN LoRA
 * gradients (or a different wrong set) in 4-8 of 20 JVMs, while its loss was right; which one was
 * decided per process and then stable within it (GradientCheckTest, 2026-12-07: ours was
 * bit-identical in every run). A fresh process per pass was right in every JVM measured (over 70).
 */
public final class TorchGradientProcess {
  private static final long TIMEOUT_SECONDS = 180;

  private TorchGradientProcess() {}

  /** The gradients by PEFT name and the loss under {@code "loss"}, as the in-process call. */
  public static Map<String, float[]> loraGradients(
      Path modelDir, Path adapterDir, List<int[]> sequences, List<boolean[]> masks, Path workDir)
      throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path batch = workDir.resolve("batch.bin");
    Path out = workDir.resolve("gradients.bin");
    Path log = workDir.resolve("torch.log");
    writeBatch(batch, sequences, masks);
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.add("--enable-native-access=ALL-UNNAMED");
    for (String key : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
      String value = System.getProperty(key);
      if (value != null) {
        cmd.add("-D" + key + "=" + value);
      }
    }
    cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(TorchGradientProcess.class.getName());
    cmd.add(modelDir.toString());
    cmd.add(adapterDir.toString());
    cmd.add(batch.toString());
    cmd.add(out.toString());
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("the PyTorch reference took over " + TIMEOUT_SECONDS + " s; " + log);
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          "the PyTorch reference exited " + p.exitValue() + ":\n" + Files.readString(log));
    }
    return readGradients(out);
  }

  /** Child: {@code modelDir adapterDir batchFile outFile}. */
  public static void main(String[] args) throws IOException {
    List<int[]> sequences = new ArrayList<>();
    List<boolean[]> masks = new ArrayList<>();
    readBatch(Path.of(args[2]), sequences, masks);
    Map<String, float[]> gradients;
    try (TorchReference torch = new TorchReference(Path.of(args[0]), Path.of(args[1]))) {
      gradients = torch.loraGradients(sequences, masks);
    }
    writeGradients(Path.of(args[3]), gradients);
  }

  private static void writeBatch(Path file, List<int[]> sequences, List<boolean[]> masks)
      throws IOException {
    try (DataOutputStream o = output(file)) {
      o.writeInt(sequences.size());
      for (int s = 0; s < sequences.size(); s++) {
        int[] ids = sequences.get(s);
        o.writeInt(ids.length);
        for (int i = 0; i < ids.length; i++) {
          o.writeInt(ids[i]);
          o.writeBoolean(masks.get(s)[i]);
        }
      }
    }
  }

  private static void readBatch(Path file, List<int[]> sequences, List<boolean[]> masks)
      throws IOException {
    try (DataInputStream in = input(file)) {
      int count = in.readInt();
      for (int s = 0; s < count; s++) {
        int[] ids = new int[in.readInt()];
        boolean[] mask = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = in.readInt();
          mask[i] = in.readBoolean();
        }
        sequences.add(ids);
        masks.add(mask);
      }
    }
  }

  private static void writeGradients(Path file, Map<String, float[]> gradients) throws IOException {
    try (DataOutputStream o = output(file)) {
      o.writeInt(gradients.size());
      for (Map.Entry<String, float[]> e : gradients.entrySet()) {
        byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
        o.writeInt(name.length);
        o.write(name);
        o.writeInt(e.getValue().length);
        for (float v : e.getValue()) {
          o.writeFloat(v);
        }
      }
    }
  }

  private static Map<String, float[]> readGradients(Path file) throws IOException {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (DataInputStream in = input(file)) {
      int count = in.readInt();
      for (int t = 0; t < count; t++) {
        String name = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
        float[] values = new float[in.readInt()];
        for (int i = 0; i < values.length; i++) {
          values[i] = in.readFloat();
        }
        out.put(name, values);
      }
    }
    return out;
  }

  private static DataOutputStream output(Path file) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)));
  }

  private static DataInputStream input(Path file) throws IOException {
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(file)));
  }
}
