package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Runs a container as a real child process, as strictly as a kubelet where the code under test
 * depends on it: as the container's user and groups ({@link ProcessIdentity}, via setpriv, so the
 * test JVM must run as root), with no capabilities, in a working directory that stands for the
 * image's root file system (owned by the user, or by root and not writable with {@code
 * readOnlyRootFilesystem}), with only the container's environment, its ports bound by the process
 * itself on the pod's IP, and its memory limit enforced by the kernel ({@link MemoryCgroups}: a
 * process beyond it is OOM-killed and the container reported OOMKilled). stdout and stderr go to a
 * log file per run.
 */
public final class ProcessRuntime implements ContainerRuntime {
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private final Function<String, LocalImage> images;
  private final Optional<MemoryCgroups> cgroups = MemoryCgroups.create();

  /**
   * {@code images} maps an image name to its local command, null when it has none. Fails at once
   * unless this JVM runs as root with setpriv(1) at hand: it could not run pods as their users.
   */
  public ProcessRuntime(Function<String, LocalImage> images) {
    this.images = images;
    if (!runsAsRoot()) {
      throw new IllegalStateException(
          "the kubelet stand-in's process runtime needs root (it runs each container as the pod's"
              + " runAsUser with setpriv); this JVM runs as another user");
    }
    if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))
        && !Files.isExecutable(Path.of("/bin/setpriv"))) {
      throw new IllegalStateException(
          "the kubelet stand-in's process runtime needs setpriv (util-linux), not found");
    }
  }

  private static boolean runsAsRoot() {
    try {
      // "Uid:\treal\teffective\t...": the effective UID decides.
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  @Override
  public RunningContainer start(ContainerLaunch launch) throws ContainerConfigException {
    Container container = launch.container();
    LocalImage image = images.apply(container.getImage());
    if (image == null) {
      throw new ContainerConfigException(
          "ErrImagePull", "image " + container.getImage() + " has no local command in this test");
    }
    ProcessIdentity identity =
        ProcessIdentity.of(launch.pod().getSpec(), container, image.uid(), image.gid());
    SecurityContext context = container.getSecurityContext();
    boolean readOnlyRoot =
        context != null && Boolean.TRUE.equals(context.getReadOnlyRootFilesystem());
    boolean noNewPrivileges =
        context != null && Boolean.FALSE.equals(context.getAllowPrivilegeEscalation());
    try {
      Path rootfs = rootFileSystem(launch.containerDir(), identity, readOnlyRoot);
      Path terminationLog = launch.containerDir().resolve("termination-log");
      Files.write(terminationLog, new byte[0]);
      FileOwnership.chown(terminationLog, 0, 0);
      FileOwnership.chmod(terminationLog, 0666); // as the kubelet: any user may write it
      MemoryCgroups.Cgroup cgroup = memoryLimit(container);
      List<String> command = new ArrayList<>();
      if (cgroup != null) {
        // As root, before setpriv drops the privileges: the process joins its cgroup, then execs.
        command.addAll(
            List.of("/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", cgroup.procs().toString()));
      }
      command.addAll(identity.setpriv(noNewPrivileges));
      command.addAll(image.command().apply(new LocalImage.ProcessLaunch(launch)));
      ProcessBuilder builder = new ProcessBuilder(command).directory(rootfs.toFile());
      Map<String, String> env = builder.environment();
      env.clear(); // the container's environment, not the test JVM's
      env.put("PATH", PATH);
      env.put("HOME", rootfs.toString());
      env.put("HOSTNAME", launch.podName());
      URI api = URI.create(launch.client().getMasterUrl().toString());
      env.put("KUBERNETES_SERVICE_HOST", api.getHost());
      env.put("KUBERNETES_SERVICE_PORT", Integer.toString(api.getPort()));
      environment(launch, env);
      Path log = launch.containerDir().resolve(launch.restartCount() + ".log");
      builder.redirectErrorStream(true).redirectOutput(log.toFile());
      return new ProcessContainer(builder.start(), log, terminationLog, cgroup);
    } catch (IOException e) {
      throw new ContainerConfigException("RunContainerError", "cannot start: " + e.getMessage());
    }
  }

  /**
   * The cgroup that enforces the container's memory limit; null when it has none. A limit that
   * cannot be enforced here fails the start (a lenient runtime would let a test pass that a real
   * node fails).
   */
  private MemoryCgroups.Cgroup memoryLimit(Container container)
      throws ContainerConfigException, IOException {
    Quantity limit =
        container.getResources() == null || container.getResources().getLimits() == null
            ? null
            : container.getResources().getLimits().get("memory");
    if (limit == null) {
      return null;
    }
    if (cgroups.isEmpty()) {
      throw new ContainerConfigException(
          "RunContainerError",
          "memory limit " + limit + " cannot be enforced: " + MemoryCgroups.unavailable());
    }
    return cgroups.get().limited(Quantity.getAmountInBytes(limit).longValueExact());
  }

  /** The image's root file system: writable by the user unless readOnlyRootFilesystem. */
  private static Path rootFileSystem(Path containerDir, ProcessIdentity who, boolean readOnly)
      throws IOException {
    Path rootfs = Files.createDirectories(containerDir.resolve("rootfs"));
    Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
    if (readOnly) {
      FileOwnership.chown(rootfs, 0, 0);
      FileOwnership.chmod(rootfs, 0555);
      FileOwnership.chown(tmp, 0, 0);
      FileOwnership.chmod(tmp, 0555);
    } else {
      FileOwnership.chown(rootfs, who.uid(), who.gid());
      FileOwnership.chmod(rootfs, 0755);
      FileOwnership.chown(tmp, 0, 0);
      FileOwnership.chmod(tmp, 01777);
    }
    return rootfs;
  }

  private static void environment(ContainerLaunch launch, Map<String, String> env)
      throws ContainerConfigException {
    Container container = launch.container();
    String namespace = launch.namespace();
    for (EnvFromSource from : container.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      Map<String, String> values;
      if (from.getSecretRef() != null) {
        values = secret(launch, from.getSecretRef().getName(), from.getSecretRef().getOptional());
      } else {
        values =
            configMap(
                launch, from.getConfigMapRef().getName(), from.getConfigMapRef().getOptional());
      }
      values.forEach((k, v) -> env.put(prefix + k, v));
    }
    for (EnvVar var : container.getEnv()) {
      String value;
      if (var.getValueFrom() == null) {
        value = var.getValue() == null ? "" : var.getValue();
      } else if (var.getValueFrom().getSecretKeyRef() != null) {
        var ref = var.getValueFrom().getSecretKeyRef();
        value =
            key(
                secret(launch, ref.getName(), ref.getOptional()),
                ref.getKey(),
                ref.getOptional(),
                "Secret " + namespace + "/" + ref.getName());
      } else if (var.getValueFrom().getConfigMapKeyRef() != null) {
        var ref = var.getValueFrom().getConfigMapKeyRef();
        value =
            key(
                configMap(launch, ref.getName(), ref.getOptional()),
                ref.getKey(),
                ref.getOptional(),
                "ConfigMap " + namespace + "/" + ref.getName());
      } else if (var.getValueFrom().getFieldRef() != null) {
        value =
            FieldRefs.value(
                launch.pod(), var.getValueFrom().getFieldRef().getFieldPath(), launch.podIP());
      } else {
        throw new ContainerConfigException(
            "CreateContainerConfigError",
            "env "
                + var.getName()
                + ": only value, secretKeyRef, configMapKeyRef and fieldRef"
                + " are emulated");
      }
      if (value != null) {
        env.put(var.getName(), launch.paths().translate(value));
      }
    }
  }

  private static String key(Map<String, String> values, String key, Boolean optional, String what)
      throws ContainerConfigException {
    String value = values.get(key);
    if (value == null && !Boolean.TRUE.equals(optional)) {
      throw new ContainerConfigException(
          "CreateContainerConfigError", "couldn't find key " + key + " in " + what);
    }
    return value;
  }

  private static Map<String, String> secret(ContainerLaunch launch, String name, Boolean optional)
      throws ContainerConfigException {
    Secret secret = launch.client().secrets().inNamespace(launch.namespace()).withName(name).get();
    if (secret == null) {
      if (Boolean.TRUE.equals(optional)) {
        return Map.of();
      }
      throw new ContainerConfigException(
          "CreateContainerConfigError", "secret \"" + name + "\" not found");
    }
    Map<String, String> values = new java.util.HashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) ->
                  values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    return values;
  }

  private static Map<String, String> configMap(
      ContainerLaunch launch, String name, Boolean optional) throws ContainerConfigException {
    ConfigMap map =
        launch.client().configMaps().inNamespace(launch.namespace()).withName(name).get();
    if (map == null) {
      if (Boolean.TRUE.equals(optional)) {
        return Map.of();
      }
      throw new ContainerConfigException(
          "CreateContainerConfigError", "configmap \"" + name + "\" not found");
    }
    return map.getData() == null ? Map.of() : map.getData();
  }

  /**
   * A child process; its exit code is 128 + the signal when a signal ended it, as in a pod. Once it
   * has exited, its cgroup tells whether the OOM killer ended it, and is removed with whatever the
   * process left running in it.
   */
  private static final class ProcessContainer implements RunningContainer {
    private final Process process;
    private final Path logFile;
    private final Path terminationLog;
    private final MemoryCgroups.Cgroup cgroup;
    private boolean collected;
    private boolean oomKilled;

    ProcessContainer(Process process, Path logFile, Path terminationLog, MemoryCgroups.Cgroup cg) {
      this.process = process;
      this.logFile = logFile;
      this.terminationLog = terminationLog;
      this.cgroup = cg;
    }

    @Override
    public synchronized OptionalInt exitCode() {
      if (process.isAlive()) {
        return OptionalInt.empty();
      }
      if (!collected && cgroup != null) {
        oomKilled = cgroup.oomKills() > 0;
        cgroup.remove();
      }
      collected = true;
      return OptionalInt.of(process.exitValue());
    }

    @Override
    public synchronized boolean oomKilled() {
      return oomKilled;
    }

    @Override
    public void terminate() {
      process.destroy();
    }

    @Override
    public void kill() {
      process.destroyForcibly();
      if (cgroup != null) {
        cgroup.remove(); // what the process started dies with the container
      }
    }

    @Override
    public String log() {
      try {
        return Files.readString(logFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public String terminationMessage() {
      try {
        byte[] bytes = Files.readAllBytes(terminationLog);
        // The kubelet reads at most 4096 bytes of the file.
        return new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }
  }
}
