package io.lorafleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to {@code ./lorafleet demo} (the launcher execs the CLI's JVM, so that is the process a
 * user's {@code kill} or a supervisor signals) leaves no process behind: the demo's server process
 * is stopped too, where it used to keep running.
 *
 * <p>It runs the launcher on the packaged jar, so it runs in the surefire execution {@code
 * packaged-cli} after {@code package}; in the unit-test execution it is skipped visibly.
 */
class DemoSignalTest {
  @Test
  void sigtermToTheDemoStopsItsServerProcess() throws Exception {
    String cliJar = System.getProperty("lorafleet.test.cli-jar");
    assumeTrue(
        cliJar != null && Files.isRegularFile(Path.of(cliJar)),
        "runs in the packaged-cli execution after package (lorafleet.test.cli-jar)");
    Path root = Path.of(System.getProperty("lorafleet.root"));
    Path data = Files.createTempDirectory(Path.of("target"), "demo-signal").toAbsolutePath();
    ProcessBuilder builder =
        new ProcessBuilder(
                root.resolve("lorafleet").toString(),
                "demo",
                "--data-dir",
                data.toString(),
                "--steps",
                "4",
                "--examples",
                "1")
            .redirectErrorStream(true);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("LORAFLEET_NO_BUILD", "1");
    Process demo = builder.start();
    List<ProcessHandle> descendants = new ArrayList<>();
    StringBuilder output = new StringBuilder();
    try {
      CompletableFuture<Boolean> waiting =
          CompletableFuture.supplyAsync(() -> readUntilWaiting(demo, output));
      assertThat(waiting.get(240, TimeUnit.SECONDS))
          .as("the demo reaches its waiting server:\n" + output)
          .isTrue();
      descendants.addAll(demo.descendants().toList());
      assertThat(descendants)
          .as("the server runs as a child of the demo")
          .anyMatch(p -> commandLine(p).contains("quarkus-run.jar"));

      demo.destroy(); // SIGTERM, as kill or a supervisor sends it

      assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo exits").isTrue();
      for (ProcessHandle p : descendants) {
        try {
          p.onExit().get(45, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          // still alive: the assertion below says which process
        }
        assertThat(p.isAlive()).as("left running: " + commandLine(p)).isFalse();
      }
      assertThat(
              ProcessHandle.allProcesses()
                  .filter(ProcessHandle::isAlive)
                  .filter(p -> commandLine(p).contains(data.toString())))
          .as("processes that still use the demo's data directory")
          .isEmpty();
    } finally {
      descendants.forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
    }
  }

  /**
   * Reads the demo's output until it says the server keeps running, then goes on reading it in the
   * background so the demo never blocks on a full pipe.
   */
  private static boolean readUntilWaiting(Process demo, StringBuilder output) {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
    try {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        output.append(line).append('\n');
        if (line.startsWith("The server keeps running")) {
          Thread.ofVirtual().start(() -> drain(r));
          return true;
        }
      }
    } catch (IOException e) {
      // the demo exited
    }
    return false;
  }

  private static void drain(BufferedReader r) {
    try (r) {
      r.transferTo(Writer.nullWriter());
    } catch (IOException e) {
      // the demo exited
    }
  }

  private static String commandLine(ProcessHandle p) {
    return p.info().commandLine().orElse("");
  }
}
