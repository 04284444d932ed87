package io.lorafleet.kernels;

import java.util.Map;

/**
 * A device that redirects launches of some kernels to others (a test-only wrong variant), so the
 * very same driving code and comparison run against the wrong kernel.
 */
record RenamingDevice(Device inner, Map<String, String> renames) implements Device {
  @Override
  public String name() {
    return inner.name() + " with " + renames;
  }

  @Override
  public long alloc(long bytes) {
    return inner.alloc(bytes);
  }

  @Override
  public void free(long pointer) {
    inner.free(pointer);
  }

  @Override
  public void zero(long pointer, long bytes) {
    inner.zero(pointer, bytes);
  }

  @Override
  public void upload(long dst, float[] src) {
    inner.upload(dst, src);
  }

  @Override
  public void upload(long dst, short[] src) {
    inner.upload(dst, src);
  }

  @Override
  public void upload(long dst, int[] src) {
    inner.upload(dst, src);
  }

  @Override
  public void download(long src, float[] dst) {
    inner.download(src, dst);
  }

  @Override
  public void download(long src, short[] dst) {
    inner.download(src, dst);
  }

  @Override
  public void download(long src, int[] dst) {
    inner.download(src, dst);
  }

  @Override
  public void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    inner.launch(renames.getOrDefault(kernel, kernel), grid, block, args);
  }

  @Override
  public void synchronize() {
    inner.synchronize();
  }

  @Override
  public void close() {
    // the inner device belongs to the test class
  }
}
