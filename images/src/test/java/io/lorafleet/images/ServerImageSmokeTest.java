package io.lorafleet.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The server image as a Deployment runs it: UID 10001, read-only root filesystem, a memory limit,
 * the model, an adapter and the admin token mounted root-owned and readable only through the pod's
 * fsGroup (--group-add). It becomes ready, completes, loads an adapter through the admin API, logs
 * JSON when switched on, sizes its heap from the limit, and drains and exits 0 on SIGTERM.
 */
class ServerImageSmokeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MEMORY_LIMIT = "1g";

  @Test
  void servesAsUid10001OnAReadOnlyRootAndDrainsOnSigterm() throws Exception {
    Podman podman = Podman.fromBuild();
    String image = ImagesDir.built().getProperty("server");
    Path root = ImagesDir.scratch("server");
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), root.resolve("model"));
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(4, 8.0, List.of("q_proj", "v_proj"), 7),
        ModelLoader.config(model),
        root.resolve("adapter"));
    String token = UUID.randomUUID().toString();
    Files.createDirectories(root.resolve("token"));
    Files.writeString(root.resolve("token/token"), token);
    for (String d : List.of("model", "adapter", "token")) {
      KubeletMounts.rootOwnedGroupReadable(root.resolve(d));
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long started = System.nanoTime();
    Container server =
        StartOnFreePort.start(
            "the server container", port -> runServer(podman, image, root, port, http));
    String name = server.name();
    URI base = server.base();
    try {
      System.out.printf("server image: ready in %.1f s%n", (System.nanoTime() - started) / 1e9);

      String inspect =
          podman.check(
              Duration.ofSeconds(30),
              "inspect",
              "--format",
              "{{.HostConfig.ReadonlyRootfs}} {{.State.Pid}}",
              name);
      assertThat(inspect).as("read-only root filesystem").startsWith("true ");
      String status = Files.readString(Path.of("/proc", inspect.split(" ")[1], "status"));
      assertThat(status).as("the JVM's user").containsPattern("(?m)^Uid:\\s+10001\\s");
      assertThat(status)
          .as("fsGroup as a supplementary group")
          .containsPattern("(?m)^Groups:.*\\b2000\\b");

      HttpResponse<String> completion =
          post(http, base, "/v1/completions", completion("tiny"), null);
      assertThat(completion.statusCode()).as(completion.body()).isEqualTo(200);
      assertThat(JSON.readTree(completion.body()).at("/usage/completion_tokens").asInt())
          .isPositive();

      String load = "{\"lora_name\":\"a1\",\"lora_path\":\"/adapters/a1\"}";
      assertThat(post(http, base, "/v1/load_lora_adapter", load, null).statusCode())
          .as("admin API without the mounted token")
          .isEqualTo(401);
      HttpResponse<String> loaded = post(http, base, "/v1/load_lora_adapter", load, token);
      assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
      HttpResponse<String> adapted = post(http, base, "/v1/completions", completion("a1"), null);
      assertThat(adapted.statusCode()).as(adapted.body()).isEqualTo(200);

      String log = podman.logs(name);
      long heap =
          JvmHeap.maxHeapMiB(log).orElseThrow(() -> new AssertionError("no heap line:\n" + log));
      long memory = JvmHeap.memoryMiB(log).orElseThrow();
      System.out.printf(
          "server image: --memory %s, the JVM sees %d MiB and sizes its max heap to %d MiB%n",
          MEMORY_LIMIT, memory, heap);
      assertThat(memory).as("the JVM sees the container limit").isEqualTo(1024);
      assertThat(heap).as("MaxRAMPercentage=80 of the limit").isBetween(780L, 830L);
      assertThat(jsonLines(log))
          .as("JSON log lines with a level and a message:\n" + log)
          .isPositive();

      podman.check(Duration.ofSeconds(30), "kill", "--signal", "TERM", name);
      String exit = podman.check(Duration.ofSeconds(90), "wait", name);
      String finalLog = podman.logs(name);
      assertThat(exit).as("exit code after SIGTERM:\n" + finalLog).isEqualTo("0");
      assertThat(finalLog).contains("drain complete");
    } finally {
      podman.remove(name);
    }
  }

  /** A started container's name and the URL it serves on. */
  private record Container(String name, URI base) {}

  /**
   * Runs the server container on {@code port} (host network) and waits until it is ready; when the
   * port was taken before the server bound it, removes the container and says so.
   */
  private static Container runServer(
      Podman podman, String image, Path root, int port, HttpClient http) throws Exception {
    String name = "lorafleet-smoke-server-" + UUID.randomUUID().toString().substring(0, 8);
    podman.check(
        Duration.ofSeconds(60),
        "run",
        "-d",
        "--name",
        name,
        "--user",
        "10001:10001",
        "--group-add",
        Integer.toString(KubeletMounts.FS_GROUP),
        "--read-only",
        "--tmpfs",
        "/tmp:rw,mode=1777",
        "--tmpfs",
        "/var/cache/lorafleet:rw,mode=1777",
        "--memory",
        MEMORY_LIMIT,
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--network",
        "host",
        "-v",
        root.resolve("model") + ":/models/base:ro",
        "-v",
        root.resolve("adapter") + ":/adapters/a1:ro",
        "-v",
        root.resolve("token") + ":/var/run/secrets/lorafleet/admin:ro",
        "-e",
        JvmHeap.LOG_OPTION,
        "-e",
        "QUARKUS_LOG_CONSOLE_JSON_ENABLED=true",
        image,
        "serve",
        "--model",
        "/models/base",
        "--served-model-name",
        "tiny",
        "--host",
        "127.0.0.1",
        "--port",
        Integer.toString(port),
        "--admin-token-file",
        "/var/run/secrets/lorafleet/admin/token",
        "--cache-dir",
        "/var/cache/lorafleet",
        "--threads",
        "1",
        "--drain-timeout",
        "30s",
        "--adapter-root",
        "/adapters");
    Container container = new Container(name, URI.create("http://127.0.0.1:" + port));
    try {
      awaitReady(podman, name, http, container.base());
      return container;
    } catch (Exception | AssertionError e) {
      String log = podman.logs(name);
      podman.remove(name);
      PortTaken.throwIfTaken("the server container", port, log);
      throw e;
    }
  }

  private static String completion(String model) {
    return "{\"model\":\"" + model + "\",\"prompt\":\"hello\",\"max_tokens\":4,\"temperature\":0}";
  }

  private static int jsonLines(String log) {
    int n = 0;
    for (String line : log.lines().toList()) {
      if (line.startsWith("{")) {
        try {
          JsonNode node = JSON.readTree(line);
          if (node.hasNonNull("level") && node.hasNonNull("message")) {
            n++;
          }
        } catch (IOException e) {
          fail("a log line that starts like JSON is not JSON: " + line);
        }
      }
    }
    return n;
  }

  private static HttpResponse<String> post(
      HttpClient http, URI base, String path, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitReady(Podman podman, String name, HttpClient http, URI base)
      throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < end) {
      String state =
          podman.check(Duration.ofSeconds(30), "inspect", "--format", "{{.State.Running}}", name);
      if (!state.equals("true")) {
        fail("the server container stopped:\n" + podman.logs(name));
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(base.resolve("/health/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    fail("not ready within 120 s:\n" + podman.logs(name));
  }
}
