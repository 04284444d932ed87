package io.lorafleet.artifacts;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared third-party fixtures; tests that need them are skipped visibly without. */
public final class Fixtures {
  private Fixtures() {}

  public static Path tinyLlamaPeft() {
    String root = System.getProperty("lorafleet.root", ".");
    Path dir = Path.of(root).resolve("../shared/fixtures/tinyllama-peft").normalize();
    assumeTrue(
        Files.isDirectory(dir),
        "SKIPPED: shared fixtures not found at " + dir + " (needs ../shared next to the repo)");
    return dir;
  }
}
