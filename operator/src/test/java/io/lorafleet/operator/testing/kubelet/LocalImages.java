package io.lorafleet.operator.testing.kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the trainer and server images run, as local commands: the same JVM flags as the images'
 * entrypoints (the heap 80 % of the container's memory limit, which the kubelet stand-in enforces
 * with a cgroup the JVM reads), on the jars the reactor built, plus the serial collector (the test
 * machine has two cores). The images themselves cannot be built here (no container engine).
 */
public final class LocalImages {
  private LocalImages() {}

  private static Path root() {
    return Path.of(System.getProperty("lorafleet.root", ".."));
  }

  public static Path trainerJar() {
    return root().resolve("trainer-image/target/lorafleet-trainer-image-0.1.0-SNAPSHOT.jar");
  }

  public static Path serverJar() {
    return root().resolve("server-image/target/quarkus-app/quarkus-run.jar");
  }

  public static Path routerJar() {
    return root().resolve("router/target/quarkus-app/quarkus-run.jar");
  }

  /** The router image's command (router/Dockerfile), on the reactor's router jar. */
  public static List<String> router() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-XX:MaxRAMPercentage=80",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UseSerialGC",
            "-jar",
            routerJar().toAbsolutePath().normalize().toString()));
    return command;
  }

  /** Whether the reactor built both applications (it does before the operator module). */
  public static String missing() {
    for (Path jar : List.of(trainerJar(), serverJar())) {
      if (!Files.isRegularFile(jar)) {
        return jar.toAbsolutePath().normalize().toString();
      }
    }
    return null;
  }

  public static List<String> trainer() {
    return jar(trainerJar());
  }

  public static List<String> server() {
    return jar(serverJar());
  }

  /** Writes a small random Llama (safetensors, config, tokenizer) into {@code dir}. */
  public static void generateTestModel(Path dir) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(trainer());
    int jar = command.indexOf("-jar");
    command.set(jar, "-cp");
    command.add("io.lorafleet.engine.testmodels.TestModelGenerator");
    command.add("llamaGqa");
    command.add(dir.toString());
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("the test model generator failed for " + dir);
    }
  }

  private static List<String> jar(Path jar) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-XX:MaxRAMPercentage=80",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UseSerialGC",
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED",
            "-Dai.djl.offline=true",
            "-jar",
            jar.toAbsolutePath().normalize().toString()));
    return command;
  }
}
