package io.lorafleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.trainer.TrainerMain;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The local main job: embedded object storage (S3Proxy), a small model it generates, an adapter
 * trained on a task the model cannot do, published as an immutable version, a real server process
 * that loads it through the admin API, and the base and adapted answers side by side. The server
 * keeps running with curl lines to try until interrupted. Nothing is downloaded.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Local end-to-end run: embedded S3, a small generated Llama-shaped model, a LoRA adapter"
            + " trained to reverse letters, published, hot-loaded into the multi-LoRA server, base"
            + " and adapted answers side by side; the server then stays up until Ctrl-C.")
final class DemoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUCKET = "lorafleet";

  @ParentCommand Lorafleet parent;

  @Option(
      names = "--data-dir",
      defaultValue = ".lorafleet/demo",
      description = "Object store files, caches and logs (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--steps",
      defaultValue = "1200",
      description = "Optimizer steps of 32 rows (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--examples",
      defaultValue = "8",
      description = "Held-out words shown side by side (default: ${DEFAULT-VALUE}).")
  int examples;

  @Option(
      names = "--no-wait",
      description = "Stop the server and exit after the comparison instead of waiting.")
  boolean noWait;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = parent.out();
    long start = System.nanoTime();
    Path data = Files.createDirectories(dataDir).toAbsolutePath();
    S3Credentials credentials =
        new S3Credentials("demo", "demo-" + UUID.randomUUID().toString().substring(0, 8));
    try (LocalObjectStore local = LocalObjectStore.start(data.resolve("s3"), credentials)) {
      S3ObjectStore s3 = local.client();
      s3.ensureBucket(BUCKET);
      out.printf("1/6 object storage: S3Proxy at %s (files in %s)%n", local.endpoint(), data);

      Path modelDir =
          TestModelGenerator.write(
              reverseFriendlyModel(), Files.createTempDirectory(data, "model"));
      PublishedVersion model =
          new ArtifactStore(s3, RetryPolicy.defaults())
              .push(modelDir, S3Uri.parse("s3://lorafleet/models/demo-llama"), Map.of());
      out.printf(
          "2/6 base model: a random Llama (2 layers, hidden 64) published at %s%n", model.uri());

      ReverseTask task = new ReverseTask(7, 100);
      s3.putBytes(
          BUCKET,
          "datasets/reverse.jsonl",
          task.trainingJsonl(4000).getBytes(StandardCharsets.UTF_8));
      Path credentialsDir = writeCredentials(data.resolve("credentials"), local);
      Path config = writeTrainerConfig(data, credentialsDir);
      out.printf(
          "3/6 training a rank-16 LoRA to reverse letters (%d steps x 32 rows, CPU)...%n", steps);
      out.flush();
      int exit =
          TrainerMain.run(
              "train",
              "--config",
              config.toString(),
              "--work-dir",
              data.resolve("work").toString());
      if (exit != 0) {
        out.printf("training failed with exit code %d%n", exit);
        return exit;
      }
      JsonNode result = JSON.readTree(s3.getBytes(BUCKET, "demo/runs/reverse-letters/result.json"));
      String adapterUri = result.at("/adapter/uri").asText();
      out.printf("    published %s%n", adapterUri);

      Path token = data.resolve("admin-token");
      String adminToken = UUID.randomUUID().toString();
      Files.writeString(token, adminToken);
      Path log = data.resolve("server.log");
      try (ServerProcess server =
          ServerProcess.startReady(
              List.of(
                  "--model",
                  model.uri().toString(),
                  "--served-model-name",
                  "demo-llama",
                  "--admin-token-file",
                  token.toString(),
                  "--cache-dir",
                  data.resolve("cache").toString()),
              Map.of(
                  "AWS_ACCESS_KEY_ID", credentials.accessKey(),
                  "AWS_SECRET_ACCESS_KEY", credentials.secretKey(),
                  "LORAFLEET_S3_ENDPOINT", local.endpoint().toString()),
              log,
              Duration.ofSeconds(120))) {
        int port = server.port();
        out.printf("4/6 server on http://127.0.0.1:%d (log: %s)%n", port, log);
        ServerClient client = new ServerClient(server, adminToken);
        client.load("reverse", adapterUri);
        out.printf("5/6 adapter 'reverse' loaded through POST /v1/load_lora_adapter%n");
        int right = compare(out, client, task);
        out.printf(
            "6/6 held-out words reversed exactly: adapter %d/%d; done in %.0f s%n",
            right, task.heldOut().size(), (System.nanoTime() - start) / 1e9);
        if (noWait) {
          return 0;
        }
        printTryIt(out, port, token);
        server.waitFor();
      }
    }
    return 0;
  }

  /** Side by side for the first few held-out words; the count over all of them. */
  private int compare(PrintWriter out, ServerClient client, ReverseTask task) throws Exception {
    out.printf("    %-10s %-10s %-12s %-12s%n", "prompt", "expected", "base model", "adapter");
    int right = 0;
    for (int i = 0; i < task.heldOut().size(); i++) {
      String word = task.heldOut().get(i);
      String adapted = client.complete("reverse", ReverseTask.prompt(word), 8).strip();
      if (adapted.equals(ReverseTask.answer(word))) {
        right++;
      }
      if (i < examples) {
        String base = client.complete("demo-llama", ReverseTask.prompt(word), 8).strip();
        out.printf(
            "    %-10s %-10s %-12s %-12s%n",
            ReverseTask.prompt(word),
            ReverseTask.answer(word),
            printable(base),
            printable(adapted));
      }
    }
    return right;
  }

  private static String printable(String s) {
    return "'" + s.replace("\n", "\\n") + "'";
  }

  private static void printTryIt(PrintWriter out, int port, Path token) {
    String base = "http://127.0.0.1:" + port;
    out.printf(
        """
        The server keeps running; try it (Ctrl-C stops it):
          curl -s %1$s/v1/models
          curl -s %1$s/v1/completions -H 'Content-Type: application/json' \\
            -d '{"model":"reverse","prompt":"hgfb=","max_tokens":8,"temperature":0}'
          curl -s %1$s/v1/chat/completions -H 'Content-Type: application/json' \\
            -d '{"model":"demo-llama","messages":[{"role":"user","content":"hi"}],"max_tokens":8}'
          curl -s %1$s/v1/adapters -H "Authorization: Bearer $(cat %2$s)"
          curl -s %1$s/metrics | grep lorafleet_
        """,
        base, token);
    out.flush();
  }

  /** The engine's reverse-task model shape: letters and '=' are single tokens. */
  private static TestModelSpec reverseFriendlyModel() {
    TestModelSpec gqa = TestModelSpec.llamaGqa();
    return new TestModelSpec(
        gqa.architecture(),
        gqa.hiddenSize(),
        gqa.intermediateSize(),
        gqa.layers(),
        gqa.heads(),
        gqa.kvHeads(),
        gqa.vocabSize(),
        gqa.tieEmbeddings(),
        gqa.ropeTheta(),
        gqa.ropeScaling(),
        gqa.rmsNormEps(),
        gqa.dtype(),
        2024);
  }

  /** The files a mounted credentials Secret has, as the trainer reads them. */
  private static Path writeCredentials(Path dir, LocalObjectStore local) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("AWS_ACCESS_KEY_ID"), local.credentials().accessKey());
    Files.writeString(dir.resolve("AWS_SECRET_ACCESS_KEY"), local.credentials().secretKey());
    Files.writeString(dir.resolve("AWS_ENDPOINT_URL"), local.endpoint().toString());
    return dir;
  }

  /** trainer.json as the operator would render it for the walk-through's FineTuneJob. */
  private Path writeTrainerConfig(Path data, Path credentials) throws Exception {
    String creds = credentials.toString();
    Map<String, Object> config =
        Map.of(
            "schemaVersion", 1,
            "run",
                Map.of(
                    "namespace", "demo",
                    "name", "reverse-letters",
                    "uid", "demo",
                    "directory", "s3://lorafleet/demo/runs/reverse-letters/"),
            "baseModel", Map.of("uri", "s3://lorafleet/models/demo-llama", "credentialsDir", creds),
            "dataset",
                Map.of(
                    "uri",
                    "s3://lorafleet/datasets/reverse.jsonl",
                    "format",
                    "prompt-completion",
                    "validationSplit",
                    0.02),
            "datasetCredentialsDir", creds,
            "lora",
                Map.of(
                    "rank",
                    16,
                    "alpha",
                    32.0,
                    "dropout",
                    0.0,
                    "targetModules",
                    List.of(
                        "q_proj",
                        "k_proj",
                        "v_proj",
                        "o_proj",
                        "gate_proj",
                        "up_proj",
                        "down_proj")),
            "training",
                Map.of(
                    "maxSteps",
                    steps,
                    "learningRate",
                    3.0e-3,
                    "schedule",
                    "cosine",
                    "warmupSteps",
                    20,
                    "batchSize",
                    32,
                    "maxSequenceLength",
                    32,
                    "seed",
                    42,
                    "checkpointInterval",
                    Math.max(1, steps / 4)),
            "output",
                Map.of(
                    "adapterName",
                    "reverse",
                    "versionsUri",
                    "s3://lorafleet/demo/adapters/reverse/",
                    "credentialsDir",
                    creds));
    Path file = data.resolve("trainer.json");
    Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    return file;
  }
}
