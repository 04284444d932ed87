package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator ({@code operator/target/quarkus-app/quarkus-run.jar}, built by {@code
 * package}) in a child JVM, in the prod profile (leader election on), authenticated to {@link
 * RealCluster} as the chart's ServiceAccount with a token the API server issued for it, as the
 * chart's Deployment runs it. {@link #kill()} is SIGKILL: no shutdown hook runs, nothing is flushed
 * or handed over.
 */
public final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts one; its output goes to {@code log}. {@code settings}: more environment variables. */
  public static OperatorProcess start(Path log, Map<String, String> settings) throws IOException {
    Path jar = RealCluster.root().resolve("operator/target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: it is built by `package`");
    }
    Config sa = RealCluster.get().operatorConfig();
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m",
                    "-jar",
                    jar.toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("KUBE") || k.startsWith("QUARKUS_"));
    env.put("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", sa.getMasterUrl());
    env.put("QUARKUS_KUBERNETES_CLIENT_CA_CERT_FILE", sa.getCaCertFile());
    env.put("QUARKUS_KUBERNETES_CLIENT_TOKEN", sa.getOauthToken());
    env.put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "false");
    env.put("QUARKUS_KUBERNETES_CLIENT_NAMESPACE", RealCluster.OPERATOR_NAMESPACE);
    env.put("POD_NAMESPACE", RealCluster.OPERATOR_NAMESPACE);
    // As the chart sets them (clusterWide=true).
    env.put("QUARKUS_OPERATOR_SDK_NAMESPACES", "JOSDK_ALL_NAMESPACES");
    env.put("LORAFLEET_OPERATOR_LEASE_NAME", RealCluster.get().operatorServiceAccount());
    env.put("QUARKUS_HTTP_PORT", "0");
    env.putAll(settings);
    return new OperatorProcess(builder.start(), log);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the operator process outlived SIGKILL");
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
