package io.lorafleet.kernels;

/**
 * The little a backend needs from a GPU: memory, copies and kernel launches by name with {@code
 * cuLaunchKernel} semantics. Two implementations exist or are planned: {@link HostDevice} runs the
 * same kernel sources compiled for the CPU (tests, CI), and a JCuda device runs the fatbin on a
 * real GPU. Pointers are opaque {@code long} device addresses; the copies are synchronous.
 */
public interface Device extends AutoCloseable {

  String name();

  /** Allocates {@code bytes} of device memory, zeroed. */
  long alloc(long bytes);

  void free(long pointer);

  void zero(long pointer, long bytes);

  void upload(long dst, float[] src);

  /** Uploads raw 16-bit values (bf16 bits). */
  void upload(long dst, short[] src);

  void upload(long dst, int[] src);

  void download(long src, float[] dst);

  void download(long src, short[] dst);

  void download(long src, int[] dst);

  /**
   * Launches {@code kernel} (an {@code extern "C"} entry point of the kernel module) on {@code
   * grid} blocks of {@code block} threads. The host device runs it to completion before returning;
   * a GPU device may queue it on its stream ({@link #synchronize()} waits).
   */
  void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args);

  void synchronize();

  @Override
  void close();
}
