package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The per-layer kernels through the host build against the CPU backend, fp32 and bf16 storage. */
class LayerKernelParityTest {
  private static Device device;
  private static Kernels kernels;
  private static CpuBackend cpu;

  @BeforeAll
  static void open() {
    device = HostDevice.openFromProperty();
    kernels = new Kernels(device);
    cpu = new CpuBackend(2);
  }

  @AfterAll
  static void close() {
    device.close();
    cpu.close();
  }

  /**
   * Runs this class's cases on {@code d} instead of the host build ({@link GpuParityTest}); returns
   * the device it replaces, which the caller puts back before {@link #close()}.
   */
  static Device useDevice(Device d) {
    Device previous = device;
    device = d;
    kernels = new Kernels(d);
    return previous;
  }

  static float[] rmsNormOnDevice(
      Device d,
      Precision p,
      float[] x,
      float[] residual,
      float[] w,
      float eps,
      int rows,
      int dim,
      float[] residualOut) {
    Kernels k = new Kernels(d);
    long px = Parity.upload(d, p, x);
    long pr = residual == null ? 0 : Parity.upload(d, p, residual);
    long pw = Parity.upload(d, p, w);
    long po = d.alloc((long) rows * dim * p.bytes());
    k.rmsNorm(p, px, pr, pw, po, eps, rows, dim);
    float[] out = Parity.download(d, p, po, rows * dim);
    if (residual != null) {
      System.arraycopy(Parity.download(d, p, pr, rows * dim), 0, residualOut, 0, rows * dim);
      d.free(pr);
    }
    Parity.free(d, px, pw, po);
    return out;
  }

  static void checkRmsNorm(
      Device d, Precision p, int rows, int dim, boolean fused, float scale, long seed) {
    Random rnd = new Random(seed);
    float[] x = Parity.random(p, rnd, rows * dim, scale);
    float[] res = fused ? Parity.random(p, rnd, rows * dim, scale) : null;
    float[] w = Parity.random(p, rnd, dim, 1f);
    float[] ref = new float[rows * dim];
    float[] resRef = res == null ? null : res.clone();
    cpu.rmsNorm(x.clone(), resRef, w, 1e-5f, rows, dim, ref);
    float[] resGot = new float[rows * dim];
    float[] got = rmsNormOnDevice(d, p, x, res, w, 1e-5f, rows, dim, resGot);
    String what = "rmsnorm " + rows + "x" + dim + (fused ? " +residual" : "") + " scale " + scale;
    Parity.check(what, p, got, ref);
    if (fused) {
      Parity.check(what + " (residual out)", p, resGot, resRef);
    }
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void rmsNorm(Precision p) {
    checkRmsNorm(device, p, 1, 64, false, 2f, 1);
    checkRmsNorm(device, p, 5, 577, true, 2f, 2);
    checkRmsNorm(device, p, 3, 896, true, 2f, 3);
    // Tiny activations: mean(z²) is comparable to eps, so where eps goes matters.
    checkRmsNorm(device, p, 4, 576, true, 3e-3f, 4);
  }

  @Test
  void aWrongRmsNormKernelIsCaught() {
    // eps outside the square root differs by ~eps/sqrt(mean(z²)): below 1e-5 for activations of
    // scale 2 (that case alone would not catch it), far above for the tiny-activation case.
    Device wrong = new RenamingDevice(device, Map.of("rmsnorm_f32", "test_wrong_rmsnorm_f32"));
    assertThatThrownBy(() -> checkRmsNorm(wrong, Precision.F32, 4, 576, true, 3e-3f, 4))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("rmsnorm");
  }

  /** Plain θ^(−2i/d) frequencies and Llama 3.1's rescaled ones (factor 8, low 1, high 4, 64). */
  static float[] invFreq(int headDim, double theta, boolean llama3) {
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
      if (llama3) {
        double wavelen = 2 * Math.PI / inv[i];
        double old = 64;
        if (wavelen > old / 1) {
          inv[i] = (float) (inv[i] / 8.0);
        } else if (wavelen >= old / 4) {
          double smooth = (old / wavelen - 1) / (4 - 1);
          inv[i] = (float) ((1 - smooth) * inv[i] / 8.0 + smooth * inv[i]);
        }
      }
    }
    return inv;
  }

  static void checkRope(
      Precision p, int tokens, int heads, int headDim, boolean llama3, long seed) {
    Random rnd = new Random(seed);
    float[] x = Parity.random(p, rnd, tokens * heads * headDim, 1f);
    int[] pos = new int[tokens];
    for (int t = 0; t < tokens; t++) {
      pos[t] = t == 0 ? 0 : rnd.nextInt(5000);
    }
    float[] inv = invFreq(headDim, 500000.0, llama3);
    float[] ref = x.clone();
    cpu.rope(ref, tokens, heads, headDim, pos, inv);
    long px = Parity.upload(device, p, x);
    long pp = Parity.upload(device, pos);
    long pi = Parity.uploadF32(device, inv);
    kernels.rope(p, px, pp, pi, tokens, heads, headDim);
    float[] got = Parity.download(device, p, px, x.length);
    Parity.free(device, px, pp, pi);
    Parity.check(
        "rope " + tokens + "x" + heads + "x" + headDim + (llama3 ? " llama3" : ""), p, got, ref);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void rope(Precision p) {
    checkRope(p, 1, 1, 64, false, 1);
    checkRope(p, 7, 9, 64, false, 2);
    checkRope(p, 5, 3, 128, true, 3);
    checkRope(p, 3, 2, 6, false, 4);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void siluMulAndAdd(Precision p) {
    Random rnd = new Random(5);
    for (int n : new int[] {1, 255, 1537, 5000}) {
      float[] g = Parity.random(p, rnd, n, 6f);
      float[] u = Parity.random(p, rnd, n, 2f);
      float[] ref = new float[n];
      cpu.siluMul(g, u, n, ref);
      long pg = Parity.upload(device, p, g);
      long pu = Parity.upload(device, p, u);
      long po = device.alloc((long) n * p.bytes());
      kernels.siluMul(p, pg, pu, po, n);
      Parity.check("silu_mul n=" + n, p, Parity.download(device, p, po, n), ref);

      float[] sum = g.clone();
      cpu.add(sum, u, n);
      kernels.add(p, pg, pu, n);
      Parity.check("add n=" + n, p, Parity.download(device, p, pg, n), sum);
      Parity.free(device, pg, pu, po);
    }
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void embedding(Precision p) {
    Random rnd = new Random(6);
    int vocab = 101;
    int dim = 67;
    float[] table = Parity.random(p, rnd, vocab * dim, 1f);
    Weights w;
    if (p == Precision.F32) {
      w = Weights.f32(vocab, dim, table);
    } else {
      short[] bits = new short[table.length];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = Parity.toBf16(table[i]);
      }
      w = Weights.bf16(vocab, dim, bits);
    }
    int[] ids = {0, vocab - 1, 17, 17, 3};
    float[] ref = new float[ids.length * dim];
    cpu.embedding(w, ids, ref);
    long pt = Parity.upload(device, p, table);
    long pi = Parity.upload(device, ids);
    long po = device.alloc((long) ids.length * dim * p.bytes());
    kernels.embedding(p, pt, pi, po, ids.length, dim, vocab);
    Parity.check("embedding", p, Parity.download(device, p, po, ids.length * dim), ref);
    Parity.free(device, pt, pi, po);
  }

  /**
   * A batch of sequences in a paged cache with shuffled blocks: each sequence has a cached prefix
   * and new rows (decode: 1 row; prefill: several), which kv_append writes and attention reads.
   */
  static void checkAttention(
      Precision p,
      int heads,
      int kvHeads,
      int headDim,
      int blockSize,
      int[] cached,
      int[] fresh,
      long seed) {
    checkAttention(p, heads, kvHeads, headDim, blockSize, cached, fresh, seed, 0);
  }

  /** As above; {@code partition > 0} runs the flash-decoding path with that partition size. */
  static void checkAttention(
      Precision p,
      int heads,
      int kvHeads,
      int headDim,
      int blockSize,
      int[] cached,
      int[] fresh,
      long seed,
      int partition) {
    Random rnd = new Random(seed);
    int seqs = cached.length;
    int maxLen = 0;
    for (int s = 0; s < seqs; s++) {
      maxLen = Math.max(maxLen, cached[s] + fresh[s]);
    }
    int maxBlocks = Kernels.ceil(maxLen, blockSize);
    int numBlocks = seqs * maxBlocks + 3;
    PagedKvCache cache = new PagedKvCache(1, numBlocks, blockSize, kvHeads, headDim);
    List<Integer> order = new ArrayList<>();
    for (int b = 0; b < numBlocks; b++) {
      order.add(b);
    }
    Collections.shuffle(order, rnd);
    int[][] tables = new int[seqs][maxBlocks];
    int[] flatTables = new int[seqs * maxBlocks];
    for (int s = 0; s < seqs; s++) {
      for (int b = 0; b < maxBlocks; b++) {
        tables[s][b] = order.get(s * maxBlocks + b);
        flatTables[s * maxBlocks + b] = tables[s][b];
      }
    }
    int width = kvHeads * headDim;
    // The cached prefix: random keys and values, stored in precision p.
    float[] kc = cache.keys(0);
    float[] vc = cache.values(0);
    float[] prefixK = Parity.random(p, rnd, kc.length, 1.5f);
    float[] prefixV = Parity.random(p, rnd, vc.length, 1f);
    System.arraycopy(prefixK, 0, kc, 0, kc.length);
    System.arraycopy(prefixV, 0, vc, 0, vc.length);

    List<int[]> rowList = new ArrayList<>();
    for (int s = 0; s < seqs; s++) {
      for (int i = 0; i < fresh[s]; i++) {
        rowList.add(new int[] {s, cached[s] + i});
      }
    }
    int rows = rowList.size();
    int[] seqOfRow = new int[rows];
    int[] positions = new int[rows];
    for (int t = 0; t < rows; t++) {
      seqOfRow[t] = rowList.get(t)[0];
      positions[t] = rowList.get(t)[1];
    }
    AttentionLayout layout = new AttentionLayout(seqOfRow, positions, tables, blockSize);
    int[] slotMapping = new int[rows];
    for (int t = 0; t < rows; t++) {
      slotMapping[t] = layout.slot(t);
    }
    float[] k = Parity.random(p, rnd, rows * width, 1.5f);
    float[] v = Parity.random(p, rnd, rows * width, 1f);
    float[] q = Parity.random(p, rnd, rows * heads * headDim, 1.5f);
    float scale = (float) (1 / Math.sqrt(headDim));

    cpu.kvAppend(cache, 0, k, v, layout);
    float[] ref = new float[rows * heads * headDim];
    cpu.attention(q, heads, cache, 0, layout, scale, ref);

    long pkc = Parity.upload(device, p, prefixK);
    long pvc = Parity.upload(device, p, prefixV);
    long pk = Parity.upload(device, p, k);
    long pv = Parity.upload(device, p, v);
    long pq = Parity.upload(device, p, q);
    long psm = Parity.upload(device, slotMapping);
    long pbt = Parity.upload(device, flatTables);
    long psr = Parity.upload(device, seqOfRow);
    long ppos = Parity.upload(device, positions);
    long pout = device.alloc((long) ref.length * p.bytes());
    kernels.kvAppend(p, pk, pv, psm, pkc, pvc, rows, width);
    PagedAttention call =
        new PagedAttention(
            pq, pkc, pvc, pbt, maxBlocks, psr, ppos, pout, rows, heads, kvHeads, headDim, blockSize,
            scale);
    if (partition > 0) {
      kernels.attentionPartitioned(p, call, maxLen, partition);
    } else {
      kernels.attention(p, call);
    }
    String what =
        String.format(
            "attention %dq/%dkv d%d bs%d rows %d%s",
            heads,
            kvHeads,
            headDim,
            blockSize,
            rows,
            partition > 0 ? " partitions of " + partition : "");
    Parity.check("kv_append keys, " + what, p, Parity.download(device, p, pkc, kc.length), kc);
    Parity.check("kv_append values, " + what, p, Parity.download(device, p, pvc, vc.length), vc);
    Parity.check(what, p, Parity.download(device, p, pout, ref.length), ref);
    Parity.free(device, pkc, pvc, pk, pv, pq, psm, pbt, psr, ppos, pout);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void pagedAttentionDecode(Precision p) {
    // SmolLM2 shape (9 q / 3 kv heads, d 64): decode rows, one of them at sequence length 1.
    checkAttention(p, 9, 3, 64, 16, new int[] {40, 0, 7}, new int[] {1, 1, 1}, 1);
    // Qwen2.5-0.5B groups (14 / 2 = 7), mixed prefill and decode, a block size that splits rows.
    checkAttention(p, 14, 2, 64, 4, new int[] {0, 13, 29}, new int[] {5, 1, 2}, 2);
    // Multi-head (group 1), head dim 128 (the limit), group 8 (the limit) with head dim 32.
    checkAttention(p, 4, 4, 128, 8, new int[] {70}, new int[] {1}, 3);
    checkAttention(p, 8, 1, 32, 16, new int[] {3, 100}, new int[] {2, 1}, 4);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void flashDecodingPartitions(Precision p) {
    // Partitions of 8 over lengths 1..121: empty trailing partitions (short rows next to a long
    // one), a partition holding one position, prefill rows.
    checkAttention(p, 9, 3, 64, 16, new int[] {120, 0, 7}, new int[] {1, 1, 2}, 5, 8);
    checkAttention(p, 14, 2, 64, 4, new int[] {0, 40}, new int[] {3, 1}, 6, 5);
    // The default partition size: 600 positions make two partitions, the second partly filled.
    checkAttention(p, 4, 2, 32, 16, new int[] {599}, new int[] {1}, 7, 512);
  }

  @Test
  void attentionRefusesShapesBeyondItsRegisters() {
    assertThatThrownBy(() -> new PagedAttention(0, 0, 0, 0, 1, 0, 0, 0, 1, 18, 2, 64, 16, 1f))
        .hasMessageContaining("groups up to 8");
    assertThatThrownBy(() -> new PagedAttention(0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 2, 256, 16, 1f))
        .hasMessageContaining("head dimension 256");
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void loraMergeAndUnmerge(Precision p) {
    Random rnd = new Random(9);
    int out = 37;
    int in = 131;
    int rank = 6;
    LoraPair pair = Parity.randomPair(p, rnd, rank, in, out);
    float[] w = Parity.random(p, rnd, out * in, 1f);
    for (float sign : new float[] {1f, -1f}) {
      float[] ref = w.clone();
      cpu.loraMerge(ref, pair, sign);
      long pw = Parity.upload(device, p, w);
      long pa = Parity.upload(device, p, pair.a());
      long pb = Parity.upload(device, p, pair.b());
      kernels.loraMerge(p, pw, pa, pb, out, in, rank, sign);
      Parity.check("lora_merge sign " + sign, p, Parity.download(device, p, pw, w.length), ref);
      Parity.free(device, pw, pa, pb);
    }
  }
}
