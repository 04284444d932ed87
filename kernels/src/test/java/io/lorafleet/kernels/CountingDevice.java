package io.lorafleet.kernels;

import java.util.HashMap;
import java.util.Map;

/**
 * A device that counts what crosses between host and device (uploads, downloads), allocations and
 * frees, and the bytes live at any moment, around another device.
 */
final class CountingDevice implements Device {
  private final Device inner;
  private final Map<Long, Long> live = new HashMap<>();
  int uploads;
  int downloads;
  int allocs;
  int frees;
  int launches;

  /** Launches by kernel name, since the last {@link #reset()}. */
  final Map<String, Integer> launchesByKernel = new HashMap<>();

  CountingDevice(Device inner) {
    this.inner = inner;
  }

  void reset() {
    uploads = downloads = allocs = frees = launches = 0;
    launchesByKernel.clear();
  }

  long liveBytes() {
    return live.values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public String name() {
    return "counting " + inner.name();
  }

  @Override
  public long alloc(long bytes) {
    allocs++;
    long p = inner.alloc(bytes);
    live.put(p, bytes);
    return p;
  }

  @Override
  public void free(long pointer) {
    frees++;
    live.remove(pointer);
    inner.free(pointer);
  }

  @Override
  public void zero(long pointer, long bytes) {
    inner.zero(pointer, bytes);
  }

  @Override
  public void upload(long dst, float[] src) {
    uploads++;
    inner.upload(dst, src);
  }

  @Override
  public void upload(long dst, short[] src) {
    uploads++;
    inner.upload(dst, src);
  }

  @Override
  public void upload(long dst, int[] src) {
    uploads++;
    inner.upload(dst, src);
  }

  @Override
  public void download(long src, float[] dst) {
    downloads++;
    inner.download(src, dst);
  }

  @Override
  public void download(long src, short[] dst) {
    downloads++;
    inner.download(src, dst);
  }

  @Override
  public void download(long src, int[] dst) {
    downloads++;
    inner.download(src, dst);
  }

  @Override
  public void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    launches++;
    launchesByKernel.merge(kernel, 1, Integer::sum);
    inner.launch(kernel, grid, block, args);
  }

  @Override
  public void synchronize() {
    inner.synchronize();
  }

  @Override
  public void close() {
    // the wrapped device belongs to the test
  }
}
