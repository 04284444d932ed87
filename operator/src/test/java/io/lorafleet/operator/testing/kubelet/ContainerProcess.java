package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One container of a pod run as a local child process: its volumes materialised ({@link
 * PodFilesystem}), its environment resolved from values and Secret references, its arguments
 * translated to the local mounts, its output in {@code root/log}.
 */
public final class ContainerProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ContainerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code entrypoint} (the image's command: java, its flags, main class or jar) followed by
   * the container's arguments after {@code rewriteArgs}.
   */
  public static ContainerProcess start(
      KubernetesClient client,
      String namespace,
      PodSpec pod,
      List<String> entrypoint,
      Path root,
      UnaryOperator<List<String>> rewriteArgs)
      throws IOException {
    Container container = pod.getContainers().getFirst();
    PodFilesystem fs = PodFilesystem.materialize(client, namespace, pod, container, root);
    List<String> command = new ArrayList<>(entrypoint);
    Path tmp = fs.local("/tmp");
    command.add(
        1,
        "-Djava.io.tmpdir=" + (tmp != null ? tmp : Files.createDirectories(root.resolve("tmp"))));
    for (String arg : rewriteArgs.apply(container.getArgs())) {
      command.add(fs.translate(arg));
    }
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    // A container starts from its image's environment, not the test JVM's.
    env.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME") && !k.equals("LANG"));
    for (EnvVar var : container.getEnv()) {
      String value = value(client, namespace, var);
      if (value != null) {
        env.put(var.getName(), fs.translate(value));
      }
    }
    Path log = root.resolve("log");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    return new ContainerProcess(builder.start(), log);
  }

  private static String value(KubernetesClient client, String namespace, EnvVar var) {
    if (var.getValueFrom() == null) {
      return var.getValue();
    }
    SecretKeySelector ref = var.getValueFrom().getSecretKeyRef();
    if (ref == null) {
      throw new IllegalArgumentException("only secretKeyRef is emulated: " + var.getName());
    }
    Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    String value = secret == null ? null : SecretValues.of(secret).get(ref.getKey());
    if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
      // The kubelet would not start the container (CreateContainerConfigError).
      throw new IllegalStateException(
          "env " + var.getName() + ": key " + ref.getKey() + " missing in " + ref.getName());
    }
    return value;
  }

  public Process process() {
    return process;
  }

  /** The last lines of the container's output, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** What a node failure does: SIGKILL, no chance to clean up. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
  }
}
