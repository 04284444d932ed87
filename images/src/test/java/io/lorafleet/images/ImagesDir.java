package io.lorafleet.images;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** images/ and what images/build.sh left in images/target. */
final class ImagesDir {
  private ImagesDir() {}

  static Path dir() {
    String configured = System.getProperty("lorafleet.images.dir");
    return Path.of(configured != null ? configured : "images").toAbsolutePath();
  }

  static Path target() {
    return dir().resolve("target");
  }

  /** The names images/build.sh gave the images (the chart's defaults). */
  static Properties built() throws IOException {
    Path file = target().resolve("images.properties");
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(file + " is missing: images/build.sh has not run");
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }

  /** A fresh scratch folder under images/target/smoke. */
  static Path scratch(String name) throws IOException {
    return Files.createTempDirectory(Files.createDirectories(target().resolve("smoke")), name)
        .toAbsolutePath();
  }
}
