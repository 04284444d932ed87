package io.lorafleet.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lorafleet.artifacts.safetensors.ElementCodec;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link Backend} contract: every operation against a plain double-precision loop written from
 * its Javadoc; sizes are deliberately not multiples of the vector length so tails are exercised. A
 * backend's test extends this class and supplies two instances (a CUDA backend can run the same
 * checks).
 */
public abstract class BackendContractTest {
  private Backend cpu;
  private Backend single;
  private final SplittableRandom rnd = new SplittableRandom(42);

  /** The backend under test, as configured for production (e.g. every core). */
  protected abstract Backend backend();

  /** The same backend restricted to one worker, to show the split of work changes nothing. */
  protected abstract Backend singleThreaded();

  @BeforeEach
  void start() {
    cpu = backend();
    single = singleThreaded();
  }

  @AfterEach
  void stop() {
    cpu.close();
    single.close();
  }

  private float[] random(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextDouble(-1, 1);
    }
    return a;
  }

  private static double[] naiveMatmul(float[] x, int t, Weights w, float[] bias) {
    double[] y = new double[t * w.rows()];
    for (int r = 0; r < t; r++) {
      for (int o = 0; o < w.rows(); o++) {
        double s = bias == null ? 0 : bias[o];
        for (int i = 0; i < w.cols(); i++) {
          s += (double) x[r * w.cols() + i] * w.get(o, i);
        }
        y[r * w.rows() + o] = s;
      }
    }
    return y;
  }

  private static void assertClose(float[] actual, double[] expected, double tol) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(tol));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4, 7, 9})
  void matmulF32MatchesNaiveLoopForAnyTokenCount(int tokens) {
    Weights w = Weights.f32(53, 157, random(53 * 157));
    float[] x = random(tokens * 157);
    float[] bias = random(53);
    float[] y = new float[tokens * 53];
    cpu.matmul(x, tokens, w, bias, y);
    assertClose(y, naiveMatmul(x, tokens, w, bias), 1e-5);
    float[] y1 = new float[y.length];
    single.matmul(x, tokens, w, bias, y1);
    assertThat(y1).as("the split over threads does not change any result").isEqualTo(y);
    for (int t = 0; t < tokens; t++) {
      float[] alone = new float[53];
      cpu.matmul(java.util.Arrays.copyOfRange(x, t * 157, (t + 1) * 157), 1, w, bias, alone);
      assertThat(java.util.Arrays.copyOfRange(y, t * 53, (t + 1) * 53))
          .as("row %d equals the row computed alone, bit for bit", t)
          .isEqualTo(alone);
    }
  }

  @Test
  void matmulBf16WidensExactlyAndAccumulatesInFp32() {
    float[] f = random(41 * 87);
    short[] bits = new short[f.length];
    for (int i = 0; i < f.length; i++) {
      bits[i] = ElementCodec.floatToBf16(f[i]);
    }
    Weights w = Weights.bf16(41, 87, bits);
    float[] x = random(5 * 87);
    float[] y = new float[5 * 41];
    cpu.matmul(x, 5, w, null, y);
    assertClose(y, naiveMatmul(x, 5, w, null), 1e-5);
    // And it equals the fp32 kernel on the widened weights, bit for bit, for every token count
    // (1 to 3 tokens widen in registers, 4 or more through a widened row).
    float[] y32 = new float[y.length];
    cpu.matmul(x, 5, w.toF32Copy(), null, y32);
    assertThat(y).isEqualTo(y32);
    for (int t = 1; t <= 3; t++) {
      float[] yt = new float[t * 41];
      cpu.matmul(x, t, w, null, yt);
      assertThat(yt).isEqualTo(java.util.Arrays.copyOf(y32, t * 41));
    }
  }

  @Test
  void matmulSlicesEqualSeparateMatmulsBitForBit() {
    Weights q = Weights.f32(40, 71, random(40 * 71));
    short[] bits = new short[9 * 71];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = ElementCodec.floatToBf16((float) rnd.nextDouble(-1, 1));
    }
    Weights k = Weights.bf16(9, 71, bits);
    Weights v = Weights.f32(3, 71, random(3 * 71));
    float[] x = random(6 * 71);
    float[][] biases = {random(40), null, random(3)};
    float[][] ys = {new float[6 * 40], new float[6 * 9], new float[6 * 3]};
    cpu.matmulSlices(x, 6, new Weights[] {q, k, v}, biases, ys);
    Weights[] ws = {q, k, v};
    for (int j = 0; j < 3; j++) {
      float[] alone = new float[ys[j].length];
      single.matmul(x, 6, ws[j], biases[j], alone);
      assertThat(ys[j]).as("slice %d", j).isEqualTo(alone);
    }
  }

  /** Sizes large enough that a multi-worker backend splits every operation into several tasks. */
  @Test
  void workSplitAcrossWorkersGivesBitIdenticalResults() {
    int rows = 300;
    int in = 157;
    int out = 611;
    Weights w = Weights.f32(out, in, random(out * in));
    float[] x = random(rows * in);
    float[] y1 = new float[rows * out];
    float[] y2 = new float[rows * out];
    cpu.matmul(x, rows, w, null, y1);
    single.matmul(x, rows, w, null, y2);
    assertThat(y1).isEqualTo(y2);

    // LoRA factors are cache-resident, so their threshold for a split is higher: rank 16 over
    // 1024-wide rows makes 300 rows several tasks.
    int loraIn = 1024;
    int loraOut = 1024;
    float[] lx = random(rows * loraIn);
    LoraPair[] pairs = {
      new LoraPair(16, loraIn, loraOut, random(16 * loraIn), random(loraOut * 16)),
      new LoraPair(7, loraIn, loraOut, random(7 * loraIn), random(loraOut * 7))
    };
    int[] slots = new int[rows];
    for (int r = 0; r < rows; r++) {
      slots[r] = r % 3 - 1;
    }
    float[] v1 = new float[rows * 16];
    float[] v2 = new float[rows * 16];
    float[] ly1 = new float[rows * loraOut];
    float[] ly2 = new float[rows * loraOut];
    cpu.sgmvShrink(lx, loraIn, AdapterGroups.of(slots), pairs, v1, 16);
    single.bgmvShrink(lx, loraIn, slots, pairs, v2, 16);
    assertThat(v1).isEqualTo(v2);
    cpu.sgmvExpand(v1, 16, AdapterGroups.of(slots), pairs, ly1, loraOut);
    single.bgmvExpand(v2, 16, slots, pairs, ly2, loraOut);
    assertThat(ly1).isEqualTo(ly2);
    float[] bv = new float[rows * 16];
    float[] by = new float[rows * loraOut];
    cpu.bgmvShrink(lx, loraIn, slots, pairs, bv, 16);
    assertThat(bv).isEqualTo(v2);
    cpu.bgmvExpand(bv, 16, slots, pairs, by, loraOut);
    assertThat(by).isEqualTo(ly2);

    float[] n1 = new float[rows * in];
    float[] n2 = new float[rows * in];
    float[] norm = random(in);
    cpu.rmsNorm(x, null, norm, 1e-6f, rows, in, n1);
    single.rmsNorm(x, null, norm, 1e-6f, rows, in, n2);
    assertThat(n1).isEqualTo(n2);

    int heads = 4;
    int d = 16;
    PagedKvCache cache = new PagedKvCache(1, rows / 4 + 1, 4, 2, d);
    int[][] table = {new int[rows / 4 + 1]};
    for (int b = 0; b < table[0].length; b++) {
      table[0][b] = cache.allocate();
    }
    int[] pos = new int[rows];
    for (int r = 0; r < rows; r++) {
      pos[r] = r;
    }
    AttentionLayout layout = new AttentionLayout(new int[rows], pos, table, 4);
    cpu.kvAppend(cache, 0, random(rows * 2 * d), random(rows * 2 * d), layout);
    float[] q = random(rows * heads * d);
    float[] a1 = new float[q.length];
    float[] a2 = new float[q.length];
    cpu.attention(q, heads, cache, 0, layout, 0.25f, a1);
    single.attention(q, heads, cache, 0, layout, 0.25f, a2);
    assertThat(a1).isEqualTo(a2);
  }

  @Test
  void adapterGroupsListRowsBySlotAndSkipTheBaseModel() {
    AdapterGroups g = AdapterGroups.of(new int[] {2, -1, 0, 2, 0, -1, 2});
    assertThat(g.slotIds()).containsExactly(0, 2);
    assertThat(g.slotStart()).containsExactly(0, 2, 5);
    assertThat(g.tokIdxSorted()).containsExactly(2, 4, 0, 3, 6);
    assertThat(AdapterGroups.of(new int[] {-1, -1}).isEmpty()).isTrue();
  }

  @Test
  void sgmvAndBgmvApplyEachRowsOwnAdapterAndMatchNaiveLoops() {
    int in = 37;
    int out = 29;
    int rMax = 6;
    LoraPair[] pairs = {
      new LoraPair(6, in, out, random(6 * in), random(out * 6)),
      null, // slot 1 does not adapt this module
      new LoraPair(3, in, out, random(3 * in), random(out * 3))
    };
    int[] slots = {2, -1, 0, 1, 0, 2, -1, 0};
    int t = slots.length;
    float[] x = random(t * in);
    float[] base = random(t * out);
    double[] expected = new double[t * out];
    for (int r = 0; r < t; r++) {
      LoraPair p = slots[r] < 0 ? null : pairs[slots[r]];
      for (int o = 0; o < out; o++) {
        double y = base[r * out + o];
        if (p != null) {
          for (int j = 0; j < p.rank(); j++) {
            double v = 0;
            for (int i = 0; i < in; i++) {
              v += (double) x[r * in + i] * p.a()[j * in + i];
            }
            y += v * p.b()[o * p.rank() + j];
          }
        }
        expected[r * out + o] = y;
      }
    }
    float[] v = new float[t * rMax];
    float[] sg = base.clone();
    cpu.sgmvShrink(x, in, AdapterGroups.of(slots), pairs, v, rMax);
    for (int r = 0; r < t; r++) {
      int rank = slots[r] >= 0 && pairs[slots[r]] != null ? pairs[slots[r]].rank() : 0;
      for (int j = rank; j < rMax; j++) {
        assertThat(v[r * rMax + j]).as("row %d column %d above its rank", r, j).isZero();
      }
    }
    cpu.sgmvExpand(v, rMax, AdapterGroups.of(slots), pairs, sg, out);
    assertClose(sg, expected, 1e-5);

    float[] bg = base.clone();
    float[] v2 = new float[t * rMax];
    cpu.bgmvShrink(x, in, slots, pairs, v2, rMax);
    cpu.bgmvExpand(v2, rMax, slots, pairs, bg, out);
    assertThat(bg).as("gather (decode) and segmented kernels agree exactly").isEqualTo(sg);
  }

  @Test
  void rmsNormWithFusedResidualAdd() {
    int rows = 3;
    int dim = 21;
    float[] x = random(rows * dim);
    float[] res = random(rows * dim);
    float[] w = random(dim);
    float[] resBefore = res.clone();
    float[] out = new float[rows * dim];
    cpu.rmsNorm(x, res, w, 1e-5f, rows, dim, out);
    double[] expected = new double[rows * dim];
    for (int r = 0; r < rows; r++) {
      double ss = 0;
      for (int i = 0; i < dim; i++) {
        double z = (double) x[r * dim + i] + resBefore[r * dim + i];
        assertThat((double) res[r * dim + i]).isCloseTo(z, within(1e-6));
        ss += z * z;
      }
      double inv = 1 / Math.sqrt(ss / dim + 1e-5);
      for (int i = 0; i < dim; i++) {
        expected[r * dim + i] = w[i] * ((double) x[r * dim + i] + resBefore[r * dim + i]) * inv;
      }
    }
    assertClose(out, expected, 1e-5);
  }

  @Test
  void ropeRotatesHalvesByPositionTimesFrequency() {
    int t = 3;
    int heads = 2;
    int d = 8;
    float[] x = random(t * heads * d);
    float[] orig = x.clone();
    float[] inv = {1f, 0.1f, 0.01f, 0.001f};
    int[] pos = {0, 5, 1000};
    cpu.rope(x, t, heads, d, pos, inv);
    for (int r = 0; r < t; r++) {
      for (int h = 0; h < heads; h++) {
        int b = (r * heads + h) * d;
        for (int i = 0; i < d / 2; i++) {
          double phi = (double) pos[r] * inv[i];
          double a = orig[b + i];
          double c = orig[b + i + d / 2];
          assertThat((double) x[b + i])
              .isCloseTo(a * Math.cos(phi) - c * Math.sin(phi), within(2e-4));
          assertThat((double) x[b + i + d / 2])
              .isCloseTo(c * Math.cos(phi) + a * Math.sin(phi), within(2e-4));
        }
      }
    }
    assertThat(java.util.Arrays.copyOf(x, heads * d))
        .as("position 0 is the identity")
        .isEqualTo(java.util.Arrays.copyOf(orig, heads * d));
  }

  @Test
  void pagedAttentionIsCausalPerSequenceWithGqaAndScatteredBlocks() {
    int heads = 4;
    int kvHeads = 2;
    int d = 5;
    PagedKvCache cache = new PagedKvCache(1, 8, 2, kvHeads, d);
    // Sequence 0 has 3 tokens in blocks 5,1; sequence 1 has 2 tokens in block 3.
    int[][] tables = {{5, 1}, {3}};
    int[] seqOf = {0, 0, 0, 1, 1};
    int[] pos = {0, 1, 2, 0, 1};
    AttentionLayout layout = new AttentionLayout(seqOf, pos, tables, 2);
    int rows = seqOf.length;
    float[] q = random(rows * heads * d);
    float[] k = random(rows * kvHeads * d);
    float[] v = random(rows * kvHeads * d);
    cpu.kvAppend(cache, 0, k, v, layout);
    float[] out = new float[rows * heads * d];
    float scale = (float) (1 / Math.sqrt(d));
    cpu.attention(q, heads, cache, 0, layout, scale, out);
    double[] expected = new double[out.length];
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads; h++) {
        int kvh = h / (heads / kvHeads);
        // Rows of the same sequence at positions <= pos[r]: those are r - pos[r] .. r here.
        int first = r - pos[r];
        double[] s = new double[pos[r] + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p <= pos[r]; p++) {
          double dot = 0;
          for (int i = 0; i < d; i++) {
            dot += (double) q[(r * heads + h) * d + i] * k[((first + p) * kvHeads + kvh) * d + i];
          }
          s[p] = dot * scale;
          max = Math.max(max, s[p]);
        }
        double sum = 0;
        for (int p = 0; p < s.length; p++) {
          s[p] = Math.exp(s[p] - max);
          sum += s[p];
        }
        for (int i = 0; i < d; i++) {
          double o = 0;
          for (int p = 0; p < s.length; p++) {
            o += s[p] / sum * v[((first + p) * kvHeads + kvh) * d + i];
          }
          expected[(r * heads + h) * d + i] = o;
        }
      }
    }
    assertClose(out, expected, 1e-6);
  }

  @Test
  void siluMulEmbeddingAndAdd() {
    float[] g = {-3f, -0.5f, 0f, 0.5f, 4f};
    float[] u = {2f, 1f, 7f, -1f, 0.25f};
    float[] out = new float[5];
    cpu.siluMul(g, u, 5, out);
    for (int i = 0; i < 5; i++) {
      assertThat((double) out[i]).isCloseTo(g[i] / (1 + Math.exp(-g[i])) * u[i], within(1e-6));
    }
    short[] bits = new short[3 * 4];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = ElementCodec.floatToBf16(i * 0.5f);
    }
    float[] e = new float[2 * 4];
    cpu.embedding(Weights.bf16(3, 4, bits), new int[] {2, 0}, e);
    assertThat(e).containsExactly(4f, 4.5f, 5f, 5.5f, 0f, 0.5f, 1f, 1.5f);
    float[] y = {1, 2, 3};
    cpu.add(y, new float[] {10, 20, 30}, 3);
    assertThat(y).containsExactly(11, 22, 33);
  }

  @Test
  void argmaxTakesTheLowestIndexOnTies() {
    assertThat(cpu.argmax(new float[] {9, 1, 5, 7, 7, 2}, 1, 5)).isEqualTo(2);
  }

  @Test
  void samplingFollowsTheSoftmaxAndHonoursTopKAndTopP() {
    float[] logits = {1f, 3f, 2f, 0f, 2.5f};
    double[] p = new double[5];
    double z = 0;
    for (int i = 0; i < 5; i++) {
      p[i] = Math.exp(logits[i] / 0.8);
      z += p[i];
    }
    int[] counts = new int[5];
    SplittableRandom r = new SplittableRandom(1);
    int n = 40_000;
    for (int i = 0; i < n; i++) {
      counts[cpu.sample(logits, 0, 5, 0.8f, 0, 1f, r.nextDouble())]++;
    }
    for (int i = 0; i < 5; i++) {
      assertThat(counts[i] / (double) n).as("token %d", i).isCloseTo(p[i] / z, within(0.01));
    }
    // top-k 2 keeps tokens 1 and 4 only; top-p 0.5 keeps token 1 only (its mass is ~0.49 < 0.5,
    // so token 4 joins; with 0.4 it stays alone).
    for (int i = 0; i < 2000; i++) {
      assertThat(cpu.sample(logits, 0, 5, 1f, 2, 1f, r.nextDouble())).isIn(1, 4);
      assertThat(cpu.sample(logits, 0, 5, 1f, 0, 0.4f, r.nextDouble())).isEqualTo(1);
      assertThat(cpu.sample(logits, 0, 5, 1f, 0, 0.5f, r.nextDouble())).isIn(1, 4);
    }
  }

  @Test
  void topKSamplingInvertsTheCdfOfTheKBestTokens() {
    float[] logits = random(1000);
    Integer[] order = new Integer[1000];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
    for (int k : new int[] {1, 5, 40}) {
      double[] p = new double[k];
      double z = 0;
      for (int j = 0; j < k; j++) {
        p[j] = Math.exp((logits[order[j]] - logits[order[0]]) / 0.7);
        z += p[j];
      }
      for (double u : new double[] {0.0, 0.13, 0.5, 0.77, 0.999}) {
        int expected = order[k - 1];
        double acc = 0;
        for (int j = 0; j < k; j++) {
          acc += p[j] / z;
          if (u < acc) {
            expected = order[j];
            break;
          }
        }
        assertThat(cpu.sample(logits, 0, 1000, 0.7f, k, 1f, u))
            .as("k %d, u %s", k, u)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void mergeEqualsUnmergedLoraAndUnmergeRestores() {
    int in = 19;
    int out = 11;
    LoraPair p = new LoraPair(4, in, out, random(4 * in), random(out * 4));
    float[] w = random(out * in);
    float[] x = random(3 * in);
    float[] unmerged = new float[3 * out];
    cpu.matmul(x, 3, Weights.f32(out, in, w), null, unmerged);
    float[] v = new float[3 * 4];
    cpu.bgmvShrink(x, in, new int[] {0, 0, 0}, new LoraPair[] {p}, v, 4);
    cpu.bgmvExpand(v, 4, new int[] {0, 0, 0}, new LoraPair[] {p}, unmerged, out);
    float[] merged = w.clone();
    cpu.loraMerge(merged, p, 1f);
    float[] y = new float[3 * out];
    cpu.matmul(x, 3, Weights.f32(out, in, merged), null, y);
    for (int i = 0; i < y.length; i++) {
      assertThat(y[i]).isCloseTo(unmerged[i], within(1e-5f));
    }
    cpu.loraMerge(merged, p, -1f);
    for (int i = 0; i < w.length; i++) {
      assertThat(merged[i]).isCloseTo(w[i], within(1e-6f));
    }
  }
}
