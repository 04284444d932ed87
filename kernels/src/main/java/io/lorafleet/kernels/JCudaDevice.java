package io.lorafleet.kernels;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;

/**
 * A {@link Device} on a real NVIDIA GPU through the JCuda driver API: the packaged fatbin loaded
 * with {@code cuModuleLoadData}, launches on one stream, the device's primary context (shared with
 * cuBLAS and the runtime API). Use it from one platform thread (a CUDA context is current per OS
 * thread; the constructor makes it current on the calling thread).
 *
 * <p><b>Never run</b>: it was written and compiled on machines without a GPU or driver. {@link
 * #unavailableReason()} is what runs everywhere: it probes with the runtime API first and catches
 * {@link LinkageError}, as stack.md prescribes.
 */
public final class JCudaDevice implements Device {
  /** A device pointer whose address Java can read. */
  private static final class DevicePointer extends CUdeviceptr {
    /** The device address cuMemAlloc stored (protected in JCuda, visible to a subclass). */
    long address() {
      return getNativePointer();
    }
  }

  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final CUmodule module = new CUmodule();
  private final CUstream stream = new CUstream();
  private final String name;
  private final Map<String, CUfunction> functions = new HashMap<>();
  private final Allocations<DevicePointer> allocations = new Allocations<>();

  private JCudaDevice(int ordinal, byte[] fatbin) {
    JCudaDriver.setExceptionsEnabled(true);
    cuInit(0);
    cuDeviceGet(device, ordinal);
    cuDevicePrimaryCtxRetain(context, device);
    cuCtxSetCurrent(context);
    byte[] chars = new byte[256];
    cuDeviceGetName(chars, chars.length, device);
    int end = 0;
    while (end < chars.length && chars[end] != 0) {
      end++;
    }
    this.name = "CUDA device " + ordinal + " (" + new String(chars, 0, end) + ")";
    cuModuleLoadData(module, fatbin);
    cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
  }

  /**
   * Why no GPU device can be used here, or empty when one can: the build has no fatbin, the JCuda
   * natives cannot load, or the runtime API reports no usable device (e.g. {@code
   * cudaErrorInsufficientDriver} without an NVIDIA driver).
   */
  public static Optional<String> unavailableReason() {
    Optional<String> image = KernelImage.unavailableReason();
    if (image.isPresent()) {
      return image;
    }
    try {
      int[] count = new int[1];
      int rc = JCuda.cudaGetDeviceCount(count);
      if (rc != cudaError.cudaSuccess) {
        return Optional.of(
            "the CUDA runtime reports "
                + cudaError.stringFor(rc)
                + " ("
                + rc
                + ") counting devices");
      }
      if (count[0] == 0) {
        return Optional.of("the CUDA runtime sees no device");
      }
      return Optional.empty();
    } catch (LinkageError e) {
      return Optional.of("the JCuda natives cannot be loaded: " + e);
    }
  }

  /** Opens GPU {@code ordinal}; check {@link #unavailableReason()} first. */
  public static JCudaDevice open(int ordinal) {
    Optional<String> why = unavailableReason();
    if (why.isPresent()) {
      throw new IllegalStateException("no CUDA device: " + why.get());
    }
    return new JCudaDevice(ordinal, KernelImage.fatbin().orElseThrow());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long alloc(long bytes) {
    DevicePointer p = new DevicePointer();
    cuMemAlloc(p, bytes);
    cuMemsetD8(p, (byte) 0, bytes);
    allocations.add(p.address(), bytes, p);
    return p.address();
  }

  @Override
  public void free(long pointer) {
    cuMemFree(allocations.remove(pointer));
  }

  /** The allocation holding {@code [pointer, pointer + bytes)}, offset to {@code pointer}. */
  private CUdeviceptr at(long pointer, long bytes) {
    Allocations.Hit<DevicePointer> hit = allocations.find(pointer, bytes);
    return hit.handle().withByteOffset(pointer - hit.base());
  }

  @Override
  public void zero(long pointer, long bytes) {
    cuMemsetD8(at(pointer, bytes), (byte) 0, bytes);
  }

  @Override
  public void upload(long dst, float[] src) {
    synchronize();
    cuMemcpyHtoD(at(dst, 4L * src.length), Pointer.to(src), 4L * src.length);
  }

  @Override
  public void upload(long dst, short[] src) {
    synchronize();
    cuMemcpyHtoD(at(dst, 2L * src.length), Pointer.to(src), 2L * src.length);
  }

  @Override
  public void upload(long dst, int[] src) {
    synchronize();
    cuMemcpyHtoD(at(dst, 4L * src.length), Pointer.to(src), 4L * src.length);
  }

  @Override
  public void download(long src, float[] dst) {
    synchronize();
    cuMemcpyDtoH(Pointer.to(dst), at(src, 4L * dst.length), 4L * dst.length);
  }

  @Override
  public void download(long src, short[] dst) {
    synchronize();
    cuMemcpyDtoH(Pointer.to(dst), at(src, 2L * dst.length), 2L * dst.length);
  }

  @Override
  public void download(long src, int[] dst) {
    synchronize();
    cuMemcpyDtoH(Pointer.to(dst), at(src, 4L * dst.length), 4L * dst.length);
  }

  @Override
  public void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    CUfunction f =
        functions.computeIfAbsent(
            kernel,
            k -> {
              CUfunction fn = new CUfunction();
              cuModuleGetFunction(fn, module, k);
              return fn;
            });
    List<KernelArgs.Arg> list = args.list();
    NativePointerObject[] values = new NativePointerObject[list.size()];
    for (int i = 0; i < values.length; i++) {
      KernelArgs.Arg a = list.get(i);
      values[i] =
          switch (a.kind()) {
            case PTR, U64 -> Pointer.to(new long[] {a.bits()});
            case I32, F32 -> Pointer.to(new int[] {(int) a.bits()});
          };
    }
    cuLaunchKernel(
        f,
        grid.x(),
        grid.y(),
        grid.z(),
        block.x(),
        block.y(),
        block.z(),
        0,
        stream,
        Pointer.to(values),
        null);
  }

  @Override
  public void synchronize() {
    cuStreamSynchronize(stream);
  }

  @Override
  public synchronized void close() {
    synchronize();
    for (DevicePointer p : allocations.clear()) {
      cuMemFree(p);
    }
    cuStreamDestroy(stream);
    cuModuleUnload(module);
    cuDevicePrimaryCtxRelease(device);
  }
}
