package io.lorafleet.router.testing;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.ports.PortTaken;
import io.lorafleet.ports.StartOnFreePort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Real server processes (the packaged server-image, as a pod runs it) on free loopback ports, over
 * one small random Llama and a set of random adapters in local directories; every adapter is
 * registered on every pod (name, path, digest), none is loaded.
 */
public final class ServerPool implements AutoCloseable {
  public static final String ADMIN_TOKEN = "router-test-admin-token";
  public static final String INFERENCE_TOKEN = "router-test-inference-token";

  public final Path root;
  public final List<Process> processes = new ArrayList<>();
  public final List<URI> urls = new ArrayList<>();
  public final List<String> adapters = new ArrayList<>();

  /** Each adapter's directory and digest (hex), by name. */
  public final Map<String, String[]> registrations = new java.util.LinkedHashMap<>();

  public final Path inferenceTokenFile;
  private final Path adminTokenFile;

  private ServerPool(Path root) throws IOException {
    this.root = root;
    this.adminTokenFile = Files.writeString(root.resolve("admin-token"), ADMIN_TOKEN);
    this.inferenceTokenFile = Files.writeString(root.resolve("inference-token"), INFERENCE_TOKEN);
  }

  /** Starts {@code pods} servers with {@code slots} device slots and {@code running} sequences. */
  public static ServerPool start(int pods, int adapterCount, int slots, int running)
      throws Exception {
    Path root = Files.createTempDirectory(Path.of("target"), "router-pool").toAbsolutePath();
    ServerPool pool = new ServerPool(root);
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), root.resolve("model"));
    ModelConfig config = ModelLoader.config(model);
    List<String[]> registrations = new ArrayList<>();
    for (int a = 0; a < adapterCount; a++) {
      Path dir = Files.createDirectories(root.resolve("adapters").resolve("a" + a));
      TestAdapterGenerator.write(
          TestAdapterGenerator.Spec.simple(4, 8.0, List.of("q_proj", "v_proj"), 900 + a),
          config,
          dir);
      String digest = Sha256.hex(ArtifactStore.manifestOf(dir, Map.of()).toBytes());
      pool.adapters.add("a" + a);
      pool.registrations.put("a" + a, new String[] {dir.toString(), digest});
      registrations.add(new String[] {"a" + a, dir.toString(), digest});
    }
    pool.startAll(pods, model, slots, running);
    for (int p = 0; p < pods; p++) {
      for (String[] r : registrations) {
        pool.register(p, r[0], r[1], r[2]);
      }
    }
    return pool;
  }

  /**
   * Starts the pods side by side, each on a free port and again on a new one when its port was
   * taken before it bound it; on any failure the pods already up are stopped.
   */
  private void startAll(int pods, Path model, int slots, int running) throws Exception {
    Process[] started = new Process[pods];
    URI[] bound = new URI[pods];
    ExecutorService starters = Executors.newFixedThreadPool(pods);
    try {
      List<Future<Void>> all = new ArrayList<>();
      for (int p = 0; p < pods; p++) {
        int index = p;
        all.add(
            starters.submit(
                () -> {
                  StartOnFreePort.start(
                      "server " + index,
                      port -> {
                        started[index] = launch(index, model, slots, running, port);
                        bound[index] = URI.create("http://127.0.0.1:" + port);
                        awaitReady(index, started[index], bound[index]);
                        return null;
                      });
                  return null;
                }));
      }
      for (Future<Void> f : all) {
        f.get();
      }
    } catch (ExecutionException e) {
      // The other starters stop first, so that none launches a process after the clean-up.
      starters.shutdownNow();
      starters.awaitTermination(30, TimeUnit.SECONDS);
      stop(Arrays.stream(started).filter(Objects::nonNull).toList());
      throw e.getCause() instanceof Exception cause ? cause : e;
    } finally {
      starters.shutdownNow();
    }
    processes.addAll(List.of(started));
    urls.addAll(List.of(bound));
  }

  private Path log(int index) {
    return root.resolve("server-" + index + ".log");
  }

  private Process launch(int index, Path model, int slots, int running, int port)
      throws IOException {
    String jar = System.getProperty("lorafleet.test.server-jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(
          "the packaged server is missing ("
              + jar
              + "): build server-image first (the reactor does: -pl router -am)");
    }
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx384m",
            "-XX:+UseSerialGC",
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED",
            "-Dai.djl.offline=true",
            "-jar",
            jar,
            "serve",
            "--model",
            model.toString(),
            "--served-model-name",
            "tiny",
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--admin-token-file",
            adminTokenFile.toString(),
            "--inference-token-file",
            inferenceTokenFile.toString(),
            "--adapter-root",
            root.resolve("adapters").toString(),
            "--cache-dir",
            root.resolve("cache-" + index).toString(),
            "--threads",
            "1",
            "--max-loaded",
            Integer.toString(slots),
            "--max-cached",
            Integer.toString(slots + 1),
            "--max-running",
            Integer.toString(running),
            "--max-rank",
            "8");
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log(index).toFile())
        .start();
  }

  private void awaitReady(int index, Process process, URI url) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        process.waitFor(); // its output is complete
        PortTaken.throwIfTaken("server " + index, url.getPort(), log(index));
        throw new IllegalStateException("server " + index + " exited; see " + log(index));
      }
      try {
        var r =
            http.send(
                HttpRequest.newBuilder(url.resolve("/health/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    stop(List.of(process));
    throw new IllegalStateException("server " + index + " not ready within 90 s");
  }

  /** Registers {@code name} on pod {@code index} (sha256 hex {@code digest}). */
  public void register(int index, String name, String path, String digest) throws Exception {
    String body =
        "{\"lora_name\":\""
            + name
            + "\",\"lora_path\":\""
            + path
            + "\",\"digest\":\"sha256:"
            + digest
            + "\"}";
    var r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(urls.get(index).resolve("/v1/register_lora_adapter"))
                    .header("Authorization", "Bearer " + ADMIN_TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("register " + name + " on pod " + index + ": " + r.body());
    }
  }

  @Override
  public void close() {
    stop(processes);
  }

  private static void stop(List<Process> processes) {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
