package io.lorafleet.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The podman that images/build.sh used: the same private containers.conf and storage.conf under
 * images/target/podman, so the tests see the images it built and change nothing system-wide.
 */
final class Podman {
  /** A finished podman command: its exit code and its output (stdout and stderr together). */
  record Result(int exitCode, String output) {}

  private final Path home;

  private Podman(Path home) {
    this.home = home;
  }

  static Podman fromBuild() {
    Path home = ImagesDir.target().resolve("podman");
    if (!Files.isRegularFile(home.resolve("containers.conf"))) {
      throw new IllegalStateException(
          home + "/containers.conf is missing: images/build.sh has not run (it runs in package)");
    }
    return new Podman(home);
  }

  /** Runs {@code podman args...} to completion; a command over its time is killed and fails. */
  Result run(Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("CONTAINERS_CONF", home.resolve("containers.conf").toString());
    builder.environment().put("CONTAINERS_STORAGE_CONF", home.resolve("storage.conf").toString());
    Path out = Files.createTempFile(ImagesDir.target(), "podman", ".log");
    try {
      Process process = builder.redirectOutput(out.toFile()).start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IOException(
            "podman "
                + String.join(" ", args)
                + " took more than "
                + timeout
                + ":\n"
                + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Like {@link #run} but a non-zero exit fails with podman's output. */
  String check(Duration timeout, String... args) throws IOException, InterruptedException {
    Result r = run(timeout, args);
    if (r.exitCode() != 0) {
      throw new IOException(
          "podman " + String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.output());
    }
    return r.output().strip();
  }

  /** The container's log so far (stdout and stderr). */
  String logs(String container) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(30), "logs", container).output();
  }

  /** Removes the container and its anonymous volumes, whatever state it is in. */
  void remove(String container) throws IOException, InterruptedException {
    run(Duration.ofSeconds(60), "rm", "-f", "-v", container);
  }
}
