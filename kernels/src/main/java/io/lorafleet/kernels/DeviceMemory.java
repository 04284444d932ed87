package io.lorafleet.kernels;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link DeviceBackend}'s device memory: per-call buffers (uploaded arguments and results, freed
 * together by {@link #release()} at the end of every operation), and what lives across calls keyed
 * by identity: weights (uploaded on first use, bf16 widened to fp32), small vectors, LoRA slot
 * pools per {@code pairs} array and rank bound, and a mirror of each layer of each KV cache.
 */
final class DeviceMemory {
  private final Device device;
  private final Map<Weights, Long> weights = new IdentityHashMap<>();
  private final Map<float[], Long> vectors = new IdentityHashMap<>();
  private final Map<LoraPair[], Map<Integer, SlotPool>> pools = new IdentityHashMap<>();
  private final Map<PagedKvCache, long[][]> caches = new IdentityHashMap<>();
  private final List<Long> scratch = new ArrayList<>();
  private long stepBuffer;
  private int stepCapacity;

  /** A LoRA slot pool on the device: {@code a[slot][rMax][in]}, {@code b[slot][rMax][out]}. */
  record SlotPool(long a, long b, long ranks) {}

  DeviceMemory(Device device) {
    this.device = device;
  }

  long temp(long bytes) {
    long p = device.alloc(Math.max(4, bytes));
    scratch.add(p);
    return p;
  }

  long in(float[] a, int n) {
    long p = temp(4L * n);
    if (n == a.length) {
      device.upload(p, a);
    } else {
      device.upload(p, Arrays.copyOf(a, n));
    }
    return p;
  }

  long in(int[] a) {
    long p = temp(4L * a.length);
    device.upload(p, a);
    return p;
  }

  void out(long p, float[] dst, int n) {
    if (n == dst.length) {
      device.download(p, dst);
    } else {
      float[] tmp = new float[n];
      device.download(p, tmp);
      System.arraycopy(tmp, 0, dst, 0, n);
    }
  }

  /** Frees the per-call buffers (called at the end of every operation). */
  void release() {
    device.synchronize();
    for (long p : scratch) {
      device.free(p);
    }
    scratch.clear();
  }

  long resident(Weights w) {
    return weights.computeIfAbsent(
        w,
        k -> {
          float[] v = k.dtype() == DType.F32 ? k.f32() : k.toF32Copy().f32();
          long p = device.alloc(4L * v.length);
          device.upload(p, v);
          return p;
        });
  }

  /** Small long-lived vectors (norm weights, biases, rope frequencies) by identity. */
  long resident(float[] v) {
    return vectors.computeIfAbsent(
        v,
        k -> {
          long p = device.alloc(4L * k.length);
          device.upload(p, k);
          return p;
        });
  }

  SlotPool pool(LoraPair[] pairs, int rMax, int in, int out) {
    return pools
        .computeIfAbsent(pairs, k -> new HashMap<>())
        .computeIfAbsent(
            rMax,
            r -> {
              PackedPool packed = PackedPool.of(pairs, r, in, out);
              float[] a = packed.a();
              float[] b = packed.b();
              int[] ranks = packed.ranks();
              int slots = pairs.length;
              long pa = device.alloc(4L * Math.max(1, a.length));
              long pb = device.alloc(4L * Math.max(1, b.length));
              long pr = device.alloc(4L * Math.max(1, slots));
              device.upload(pa, a);
              device.upload(pb, b);
              device.upload(pr, ranks);
              return new SlotPool(pa, pb, pr);
            });
  }

  /** The device copy of one layer of a cache: {keys, values}, uploaded on first use. */
  long[] mirror(PagedKvCache cache, int layer) {
    long[][] layers = caches.computeIfAbsent(cache, c -> new long[c.layers()][]);
    if (layers[layer] == null) {
      long pk = device.alloc(4L * cache.floatsPerLayer());
      long pv = device.alloc(4L * cache.floatsPerLayer());
      if (cache.hasHostArrays(layer)) { // written through the array form before
        device.upload(pk, cache.keys(layer));
        device.upload(pv, cache.values(layer));
      }
      layers[layer] = new long[] {pk, pv};
    }
    return layers[layer];
  }

  /**
   * Uploads a step's packed inputs into the one step buffer (grown, never shrunk) and returns it: a
   * step's inputs live until the next step is uploaded.
   */
  long stepInputs(int[] ints) {
    if (ints.length > stepCapacity) {
      if (stepBuffer != 0) {
        device.free(stepBuffer);
      }
      stepCapacity = Math.max(ints.length, 2 * stepCapacity);
      stepBuffer = device.alloc(4L * stepCapacity);
    }
    device.upload(stepBuffer, ints);
    return stepBuffer;
  }

  /** Buffers held across calls. */
  int residentBuffers() {
    int n = weights.size() + vectors.size() + caches.size();
    for (Map<Integer, SlotPool> m : pools.values()) {
      n += m.size();
    }
    return n;
  }

  /** Frees every buffer, per-call and long-lived. */
  void freeAll() {
    release();
    weights.values().forEach(device::free);
    vectors.values().forEach(device::free);
    for (Map<Integer, SlotPool> m : pools.values()) {
      for (SlotPool p : m.values()) {
        device.free(p.a());
        device.free(p.b());
        device.free(p.ranks());
      }
    }
    for (long[][] layers : caches.values()) {
      for (long[] l : layers) {
        if (l != null) {
          device.free(l[0]);
          device.free(l[1]);
        }
      }
    }
    if (stepBuffer != 0) {
      device.free(stepBuffer);
      stepBuffer = 0;
    }
    weights.clear();
    vectors.clear();
    pools.clear();
    caches.clear();
  }
}
