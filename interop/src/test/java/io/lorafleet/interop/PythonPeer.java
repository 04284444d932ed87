package io.lorafleet.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.store.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pinned Python environment (transformers, PEFT, torch) and the peer script that runs in it.
 *
 * <p>The environment is a venv under {@code target/} created on first use in a JVM: {@code python3
 * -m venv}, then {@code pip install --no-deps -r python/requirements.lock}, every package pinned
 * there (a lock, so nothing is resolved at build time). A marker holding the lock's SHA-256 makes
 * later builds reuse the venv until the lock changes. pip is run without the machine's extra wheel
 * folders ({@code PIP_FIND_LINKS} removed): packages come from the package index only.
 *
 * <p>When the environment cannot be created the tests fail with pip's output: an interop test that
 * silently skips would prove nothing.
 */
final class PythonPeer {
  private static final JsonMapper JSON = new JsonMapper();
  private static final long INSTALL_TIMEOUT_MIN = 30;
  private static final long RUN_TIMEOUT_MIN = 15;
  private static Path python;

  private PythonPeer() {}

  /** One job for the peer script (see {@code peft_peer.py} for the ops and their fields). */
  static Map<String, Object> job(String op, Object... keyValues) {
    Map<String, Object> job = new java.util.LinkedHashMap<>();
    job.put("op", op);
    for (int i = 0; i < keyValues.length; i += 2) {
      job.put((String) keyValues[i], keyValues[i + 1]);
    }
    return job;
  }

  /** The outcome of one job: ok, or the exception PEFT/transformers raised. */
  record Result(boolean ok, String error) {}

  /**
   * Runs the jobs in one Python process (imports cost seconds) and returns one result per job.
   * Fails when the process itself fails; a job's own failure is in its result.
   */
  static List<Result> run(Path workDir, List<Map<String, Object>> jobs)
      throws IOException, InterruptedException {
    Path py = environment();
    Files.createDirectories(workDir);
    Path jobFile = workDir.resolve("jobs.json");
    Files.write(jobFile, JSON.writeValueAsBytes(jobs));
    Path log = workDir.resolve("peer.log");
    exec(
        List.of(py.toString(), property("interop.script"), jobFile.toString()),
        log,
        RUN_TIMEOUT_MIN);
    JsonNode results = JSON.readTree(workDir.resolve("jobs.json.results.json").toFile());
    List<Result> out = new ArrayList<>();
    for (JsonNode r : results) {
      out.add(new Result(r.path("ok").asBoolean(), r.path("error").asText("")));
    }
    if (out.size() != jobs.size()) {
      throw new IllegalStateException(
          "peer returned " + out.size() + " results for " + jobs.size() + " jobs; see " + log);
    }
    return out;
  }

  /** Runs the jobs and fails unless every one succeeded. */
  static void runAll(Path workDir, List<Map<String, Object>> jobs)
      throws IOException, InterruptedException {
    List<Result> results = run(workDir, jobs);
    for (int i = 0; i < results.size(); i++) {
      if (!results.get(i).ok()) {
        throw new IllegalStateException(
            "peer job " + jobs.get(i) + " failed: " + results.get(i).error());
      }
    }
  }

  /** The venv's python, creating the venv when it is missing or its lock changed. */
  static synchronized Path environment() throws IOException, InterruptedException {
    if (python != null) {
      return python;
    }
    Path venv = Path.of(property("interop.venv"));
    Path lock = Path.of(property("interop.requirements"));
    String lockDigest = Sha256.hex(Files.readAllBytes(lock));
    Path marker = venv.resolve("lorafleet-lock.sha256");
    Path py = venv.resolve("bin/python");
    if (Files.exists(marker) && Files.readString(marker).equals(lockDigest) && Files.exists(py)) {
      python = py;
      return py;
    }
    Path log = venv.resolveSibling("python-venv-install.log");
    Files.createDirectories(venv.getParent());
    long start = System.nanoTime();
    Files.deleteIfExists(marker);
    exec(
        List.of(property("interop.python"), "-m", "venv", "--clear", venv.toString()),
        log,
        INSTALL_TIMEOUT_MIN);
    exec(
        List.of(
            py.toString(),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-input",
            "--progress-bar",
            "off",
            "-r",
            lock.toString()),
        log,
        INSTALL_TIMEOUT_MIN);
    Files.writeString(marker, lockDigest);
    System.out.printf(
        "interop: created %s from %s in %.0f s (log %s)%n",
        venv, lock.getFileName(), (System.nanoTime() - start) / 1e9, log);
    python = py;
    return py;
  }

  private static void exec(List<String> command, Path log, long timeoutMinutes)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // Packages from the index only, not from extra local wheel folders a machine may configure.
    pb.environment().remove("PIP_FIND_LINKS");
    pb.environment().remove("PYTHONPATH");
    // No hub lookups: every model and adapter is a local directory.
    pb.environment().put("HF_HUB_OFFLINE", "1");
    pb.environment().put("TRANSFORMERS_OFFLINE", "1");
    pb.environment().put("HF_HOME", log.getParent().resolve("hf-home").toString());
    Process p = pb.start();
    if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          String.join(" ", command) + " ran over " + timeoutMinutes + " min; log " + log);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", command)
              + " exited "
              + p.exitValue()
              + "; last lines of "
              + log
              + ":\n"
              + tail(log, 40));
    }
  }

  private static String tail(Path log, int lines) throws IOException {
    List<String> all = Files.readAllLines(log);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static String property(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(
          "system property " + name + " is not set (see interop/pom.xml)");
    }
    return v;
  }
}
