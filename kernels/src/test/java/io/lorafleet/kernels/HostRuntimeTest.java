package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The emulation itself: barriers, shared memory, shuffles, the registry and memory checks. */
class HostRuntimeTest {
  private static HostDevice device;

  @BeforeAll
  static void open() {
    device = HostDevice.openFromProperty();
  }

  @AfterAll
  static void close() {
    device.close();
  }

  @Test
  void everyKernelOfTheModuleIsRegisteredForBothPrecisions() {
    for (String base :
        new String[] {
          "bgmv_shrink", "bgmv_expand", "sgmv_shrink", "sgmv_expand", "rmsnorm", "rope",
          "silu_mul", "add", "embedding", "kv_append", "paged_attention_decode", "lora_merge",
          "dare", "cross_entropy"
        }) {
      assertThat(device.kernels()).contains(base + "_f32", base + "_bf16");
    }
    assertThat(device.kernels()).contains("adamw_f32", "philox_test");
  }

  @Test
  void onX8664TheFibersSwitchWithoutASystemCall() {
    // The ucontext fallback still passes every other test, only about 10 times slower: this is what
    // notices when an x86-64 build falls back to it.
    String expected =
        System.getProperty("os.arch").equals("amd64") ? "x86-64 assembly" : "ucontext";
    assertThat(device.fiberSwitch()).isEqualTo(expected);
    assertThat(device.name()).contains(expected + " fibers");
  }

  @Test
  void aFiberStackHolds200KiBOfFramesAndAnOverflowKillsTheProcessInsteadOfCorruptingMemory()
      throws Exception {
    // In child JVMs: an overflow must end the process (at the guard page below each fiber stack).
    Probe fits = deepStack(200);
    assertThat(fits.exit()).as(fits.output()).isZero();
    assertThat(fits.output()).contains("returned 40200.0"); // sum of d + (d & 255) over d = 0..200
    Probe overflows = deepStack(300);
    assertThat(overflows.exit()).as(overflows.output()).isNotZero();
    assertThat(overflows.output()).doesNotContain("returned");
  }

  private record Probe(int exit, String output) {}

  private static Probe deepStack(int depth) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String tmp = System.getProperty("java.io.tmpdir");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + Path.of(tmp, "deep-stack-hs_err_%p.log"),
                "-D"
                    + HostDevice.LIBRARY_PROPERTY
                    + "="
                    + System.getProperty(HostDevice.LIBRARY_PROPERTY),
                DeepStackProbe.class.getName(),
                Integer.toString(depth))
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Probe(p.exitValue(), output);
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 96, 256, 1024})
  void syncthreadsMakesEveryWriteVisibleBeforeAnyRead(int threads) {
    float[] in = Parity.random(new Random(threads), threads, 1f);
    long pin = Parity.uploadF32(device, in);
    long pout = device.alloc(4L * threads);
    device.launch(
        "test_reverse_through_shared",
        Dim3.of(1),
        Dim3.of(threads),
        new KernelArgs().ptr(pin).ptr(pout));
    float[] out = Parity.download(device, Precision.F32, pout, threads);
    for (int i = 0; i < threads; i++) {
      assertThat(out[i]).isEqualTo(in[threads - 1 - i]);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 64, 160, 1024})
  void blockReductionsAndShufflesMatchAPlainLoop(int threads) {
    int blocks = 3;
    Random rnd = new Random(threads);
    float[] in = Parity.random(rnd, blocks * threads, 10f);
    long pin = Parity.uploadF32(device, in);
    long pout = device.alloc(4L * blocks * 3);
    device.launch(
        "test_block_reductions",
        Dim3.of(blocks),
        Dim3.of(threads),
        new KernelArgs().ptr(pin).ptr(pout));
    float[] out = Parity.download(device, Precision.F32, pout, blocks * 3);
    for (int b = 0; b < blocks; b++) {
      double sum = 0;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < threads; i++) {
        sum += in[b * threads + i];
        max = Math.max(max, in[b * threads + i]);
      }
      assertThat((double) out[b * 3]).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-3));
      assertThat(out[b * 3 + 1]).isEqualTo(max);
      assertThat(out[b * 3 + 2]).isEqualTo(in[b * threads + 31]);
    }
  }

  @Test
  void aBarrierThatPartOfTheBlockNeverReachesIsReportedAndTheDeviceStaysUsable() {
    long out = device.alloc(4 * 64);
    assertThatThrownBy(
            () ->
                device.launch(
                    "test_divergent_barrier", Dim3.of(2), Dim3.of(64), new KernelArgs().ptr(out)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("deadlock in block (0, 0, 0)")
        .hasMessageContaining("32 of 64 threads");
    // A shuffle in a partial warp (48 threads) is refused rather than emulated wrongly.
    long in = device.alloc(4 * 48);
    long sums = device.alloc(4 * 3);
    assertThatThrownBy(
            () ->
                device.launch(
                    "test_block_reductions",
                    Dim3.of(1),
                    Dim3.of(48),
                    new KernelArgs().ptr(in).ptr(sums)))
        .hasMessageContaining("partial warp");
    Parity.free(device, out, in, sums);
    syncthreadsMakesEveryWriteVisibleBeforeAnyRead(256);
  }

  @Test
  void aBlockBeyondTheKernelsLaunchBoundsIsRefusedAsOnAGpu() {
    // bgmv_shrink is compiled with __launch_bounds__(128): 256 threads would not launch on a GPU.
    assertThatThrownBy(
            () ->
                device.launch(
                    "bgmv_shrink_f32",
                    Dim3.of(1),
                    Dim3.of(256),
                    new KernelArgs().ptr(0).ptr(0).ptr(0).ptr(0).ptr(0).i32(1).i32(1)))
        .hasMessageContaining("exceeds its __launch_bounds__ of 128");
  }

  @Test
  void copiesOutsideAnAllocationAreRefused() {
    long p = device.alloc(16);
    assertThatThrownBy(() -> device.upload(p, new float[5]))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> device.download(p + 8, new int[3]))
        .isInstanceOf(IndexOutOfBoundsException.class);
    device.free(p);
  }

  @Test
  void unknownKernelsAreRefused() {
    assertThatThrownBy(
            () -> device.launch("no_such_kernel", Dim3.of(1), Dim3.of(32), new KernelArgs()))
        .hasMessageContaining("no_such_kernel");
  }
}
