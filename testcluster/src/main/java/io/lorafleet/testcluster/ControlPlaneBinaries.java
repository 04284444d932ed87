package io.lorafleet.testcluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the control plane binaries are: the folder testcluster/controlplane/build.sh built them
 * into, as the Maven build recorded it on the classpath, or the system property {@value #PROPERTY}.
 */
public record ControlPlaneBinaries(Path dir) {
  public static final String PROPERTY = "lorafleet.controlplane.bin";
  private static final String RESOURCE = "controlplane-bin.txt";
  static final List<String> NAMES =
      List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler");

  public static ControlPlaneBinaries locate() {
    String configured = System.getProperty(PROPERTY);
    Path dir = configured != null ? Path.of(configured) : fromClasspath();
    for (String name : NAMES) {
      if (!Files.isExecutable(dir.resolve(name))) {
        throw new IllegalStateException(
            "no executable "
                + name
                + " in "
                + dir
                + ": run testcluster/controlplane/build.sh (the Maven build of lorafleet-testcluster"
                + " does), or set -D"
                + PROPERTY);
      }
    }
    return new ControlPlaneBinaries(dir);
  }

  private static Path fromClasspath() {
    try (InputStream in = ControlPlaneBinaries.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCE
                + " is not on the classpath: build lorafleet-testcluster with Maven (it runs"
                + " testcluster/controlplane/build.sh), or set -D"
                + PROPERTY);
      }
      return Path.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path binary(String name) {
    return dir.resolve(name);
  }
}
