package io.lorafleet.cli;

import io.lorafleet.artifacts.store.local.LocalObjectStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs the real command line against files on disk and an embedded S3Proxy started per test class,
 * whose endpoint and credentials reach the commands through the environment.
 */
abstract class CliTestBase {
  static LocalObjectStore local;
  static Map<String, String> env;
  @TempDir static Path shared;
  @TempDir Path work;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    local = LocalObjectStore.start(shared.resolve("s3"));
    env =
        Map.of(
            "LORAFLEET_S3_ENDPOINT", local.endpoint().toString(),
            "AWS_ACCESS_KEY_ID", local.credentials().accessKey(),
            "AWS_SECRET_ACCESS_KEY", local.credentials().secretKey(),
            "LORAFLEET_S3_CREATE_BUCKET", "true");
  }

  @AfterAll
  static void stop() {
    local.close();
  }

  static Run run(String... args) {
    CommandLine cl = Lorafleet.commandLine(env);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }
}
