package io.lorafleet.kernels;

/**
 * Run by {@link HostRuntimeTest} in a process of its own: launches {@code test_deep_stack} with the
 * recursion depth of {@code args[0]} (frames of 1 KiB) on the host build and prints "returned" with
 * the kernel's result if the launch comes back.
 */
public final class DeepStackProbe {
  private DeepStackProbe() {}

  public static void main(String[] args) {
    int depth = Integer.parseInt(args[0]);
    try (HostDevice device = HostDevice.openFromProperty()) {
      long out = device.alloc(4);
      device.launch(
          "test_deep_stack", Dim3.of(1), Dim3.of(32), new KernelArgs().i32(depth).ptr(out));
      float[] result = new float[1];
      device.download(out, result);
      System.out.println("returned " + result[0]);
    }
  }
}
