package io.lorafleet.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@link Device} backed by the host build of the kernels ({@code liblorafleet_host.so}, the same
 * {@code .cu} sources compiled by g++ with {@code lf_host_compat.h}), loaded through the FFM API.
 * Device memory is native host memory; every launch runs all blocks to completion, one block at a
 * time, its threads as cooperative fibers. It exists to test the kernels and the Java code that
 * drives them on machines without a GPU; it is slow and never used for serving.
 *
 * <p>Copies are bounds-checked against the allocation they fall in, so a driver bug that would
 * corrupt GPU memory fails here with an exception.
 */
public final class HostDevice implements Device {
  /** System property with the path of the host library (set by the build for tests). */
  public static final String LIBRARY_PROPERTY = "lorafleet.kernels.hostlib";

  private final Arena libraryArena = Arena.ofShared();
  private final MethodHandle launch;
  private final MethodHandle lastError;
  private final Set<String> kernels;
  private final String fiberSwitch;
  private final Allocations<Arena> allocations = new Allocations<>();

  private HostDevice(Path library) {
    Linker linker = Linker.nativeLinker();
    SymbolLookup lookup = SymbolLookup.libraryLookup(library, libraryArena);
    this.launch =
        linker.downcallHandle(
            lookup.findOrThrow("lfh_launch"),
            FunctionDescriptor.of(
                ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS));
    this.lastError =
        linker.downcallHandle(
            lookup.findOrThrow("lfh_last_error"), FunctionDescriptor.of(ValueLayout.ADDRESS));
    MethodHandle count =
        linker.downcallHandle(
            lookup.findOrThrow("lfh_kernel_count"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
    MethodHandle name =
        linker.downcallHandle(
            lookup.findOrThrow("lfh_kernel_name"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    MethodHandle fibers =
        linker.downcallHandle(
            lookup.findOrThrow("lfh_fiber_switch"), FunctionDescriptor.of(ValueLayout.ADDRESS));
    Set<String> names = new TreeSet<>();
    try {
      this.fiberSwitch = ((MemorySegment) fibers.invokeExact()).reinterpret(256).getString(0);
      int n = (int) count.invokeExact();
      for (int i = 0; i < n; i++) {
        MemorySegment s = (MemorySegment) name.invokeExact(i);
        names.add(s.reinterpret(256).getString(0));
      }
    } catch (Throwable e) {
      throw new IllegalStateException("cannot list the kernels of " + library, e);
    }
    this.kernels = Set.copyOf(names);
  }

  /** Opens the host library at {@code library}. */
  public static HostDevice open(Path library) {
    if (!Files.isRegularFile(library)) {
      throw new IllegalStateException(
          "host build of the kernels not found at "
              + library
              + " (built by `./mvnw -pl kernels generate-resources`, needs g++)");
    }
    return new HostDevice(library);
  }

  /** Opens the host library named by the system property {@value #LIBRARY_PROPERTY}. */
  public static HostDevice openFromProperty() {
    String path = System.getProperty(LIBRARY_PROPERTY);
    if (path == null) {
      throw new IllegalStateException("system property " + LIBRARY_PROPERTY + " is not set");
    }
    return open(Path.of(path));
  }

  /** The kernel entry points the library registered. */
  public Set<String> kernels() {
    return kernels;
  }

  /**
   * How the emulation switches between the threads (fibers) of a block: {@code "x86-64 assembly"}
   * (no system call) or the portable {@code "ucontext"} (a signal-mask system call per switch, many
   * times slower), chosen when the library was compiled.
   */
  public String fiberSwitch() {
    return fiberSwitch;
  }

  @Override
  public String name() {
    return "host build (CPU emulation of the CUDA kernels, " + fiberSwitch + " fibers)";
  }

  @Override
  public long alloc(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("allocation of " + bytes + " bytes");
    }
    Arena arena = Arena.ofShared();
    MemorySegment s = arena.allocate(bytes, 16);
    allocations.add(s.address(), bytes, arena);
    return s.address();
  }

  @Override
  public void free(long pointer) {
    allocations.remove(pointer).close();
  }

  /** The memory at {@code [pointer, pointer + bytes)}, checked to lie inside one allocation. */
  private MemorySegment segment(long pointer, long bytes) {
    allocations.find(pointer, bytes);
    return MemorySegment.ofAddress(pointer).reinterpret(bytes);
  }

  @Override
  public void zero(long pointer, long bytes) {
    segment(pointer, bytes).fill((byte) 0);
  }

  @Override
  public void upload(long dst, float[] src) {
    MemorySegment.copy(
        src, 0, segment(dst, 4L * src.length), ValueLayout.JAVA_FLOAT, 0, src.length);
  }

  @Override
  public void upload(long dst, short[] src) {
    MemorySegment.copy(
        src, 0, segment(dst, 2L * src.length), ValueLayout.JAVA_SHORT, 0, src.length);
  }

  @Override
  public void upload(long dst, int[] src) {
    MemorySegment.copy(src, 0, segment(dst, 4L * src.length), ValueLayout.JAVA_INT, 0, src.length);
  }

  @Override
  public void download(long src, float[] dst) {
    MemorySegment.copy(
        segment(src, 4L * dst.length), ValueLayout.JAVA_FLOAT, 0, dst, 0, dst.length);
  }

  @Override
  public void download(long src, short[] dst) {
    MemorySegment.copy(
        segment(src, 2L * dst.length), ValueLayout.JAVA_SHORT, 0, dst, 0, dst.length);
  }

  @Override
  public void download(long src, int[] dst) {
    MemorySegment.copy(segment(src, 4L * dst.length), ValueLayout.JAVA_INT, 0, dst, 0, dst.length);
  }

  @Override
  public void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    if (!kernels.contains(kernel)) {
      throw new IllegalArgumentException("no kernel " + kernel + " in the host build");
    }
    if (block.volume() > 1024) {
      throw new IllegalArgumentException("block of " + block.volume() + " threads (max 1024)");
    }
    try (Arena call = Arena.ofConfined()) {
      var list = args.list();
      MemorySegment params = call.allocate(ValueLayout.ADDRESS, Math.max(1, list.size()));
      for (int i = 0; i < list.size(); i++) {
        KernelArgs.Arg a = list.get(i);
        MemorySegment value =
            switch (a.kind()) {
              case PTR, U64 -> call.allocateFrom(ValueLayout.JAVA_LONG, a.bits());
              case I32, F32 -> call.allocateFrom(ValueLayout.JAVA_INT, (int) a.bits());
            };
        params.setAtIndex(ValueLayout.ADDRESS, i, value);
      }
      int rc =
          (int)
              launch.invokeExact(
                  call.allocateFrom(kernel),
                  grid.x(),
                  grid.y(),
                  grid.z(),
                  block.x(),
                  block.y(),
                  block.z(),
                  params);
      if (rc == -3) {
        MemorySegment why = (MemorySegment) lastError.invokeExact();
        throw new IllegalStateException(
            "kernel " + kernel + " failed in the emulation: " + why.reinterpret(4096).getString(0));
      }
      if (rc != 0) {
        throw new IllegalStateException("host launch of " + kernel + " failed: " + rc);
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("host launch of " + kernel + " failed", e);
    }
  }

  @Override
  public void synchronize() {
    // launches are synchronous
  }

  @Override
  public synchronized void close() {
    for (Arena a : allocations.clear()) {
      a.close();
    }
    libraryArena.close();
  }
}
