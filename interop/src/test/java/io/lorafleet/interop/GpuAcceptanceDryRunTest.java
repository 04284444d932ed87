package io.lorafleet.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU acceptance bundle of issue 17 ({@code kernels/target/gpu-bundle}, made when the kernels
 * module is packaged): it fits what one call of the GPU machine may carry, and its script runs end
 * to end as a dry run (host-device, PyTorch on the CPU from this module's venv, reduced shapes)
 * with its own jlinked JRE. Lives here because this module has the pinned torch, transformers and
 * PEFT; the kernels module is built before it in the reactor.
 */
class GpuAcceptanceDryRunTest {
  private static final long LIMIT = 64L * 1024 * 1024;

  @TempDir Path work;

  @Test
  void theBundleFitsIn64MiBAndItsDryRunPasses() throws Exception {
    Path bundle = Path.of(System.getProperty("interop.gpuBundle"));
    assertThat(bundle.resolve("acceptance.sh"))
        .as("the bundle (./mvnw -pl kernels -am package) at %s", bundle)
        .exists();
    long size = size(bundle);
    System.out.printf("[gpu-bundle] %s: %.1f MiB%n", bundle, size / 1048576.0);
    assertThat(size).as("bundle bytes").isLessThanOrEqualTo(LIMIT);

    Path log = work.resolve("dry-run.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    "bash",
                    bundle.resolve("acceptance.sh").toString(),
                    "--dry-run",
                    work.toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("PYTHON", PythonPeer.environment().toString());
    pb.environment().remove("PYTHONPATH");
    Process p = pb.start();
    boolean done = p.waitFor(20, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String report = Files.readString(work.resolve("report.md"));
    System.out.println(report);
    assertThat(done).as("the dry run ended within 20 minutes; log %s", log).isTrue();
    assertThat(p.exitValue()).as("exit status; log:%n%s", Files.readString(log)).isZero();
    assertThat(report).contains("DRY RUN").contains("correctness: PASS").doesNotContain("FAIL");
    // Every step ran: parity, model, both logits sides, decode on both sides, training, PEFT.
    assertThat(report.lines().filter(l -> l.startsWith("| ") && l.contains("| PASS |")))
        .hasSize(10);
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(GpuAcceptanceDryRunTest::bytes).sum();
    }
  }

  private static long bytes(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
