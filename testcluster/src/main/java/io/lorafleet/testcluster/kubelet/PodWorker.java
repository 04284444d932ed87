package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;

/**
 * The life of one pod on the stand-in's node, as the kubelet's pod worker runs it: mount the
 * volumes (retried while a Secret or ConfigMap is missing), start the container, probe it, restart
 * it by the restartPolicy with the kubelet's back-off (at once, then 10 s doubling to 5 min), end
 * it in phase Succeeded or Failed, and on deletion send SIGTERM, SIGKILL after the grace period,
 * then remove the pod object (delete with grace 0, as the kubelet does).
 */
final class PodWorker implements Runnable {
  private static final Duration TICK = Duration.ofMillis(100);
  private static final Duration VOLUME_REFRESH = Duration.ofSeconds(2);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  /** kubecontainer.MaxContainerTerminationMessageLogLines / ...LogLength. */
  private static final int FALLBACK_LINES = 80;

  private static final int FALLBACK_BYTES = 2048;

  private final KubernetesClient client;
  private final ContainerRuntime runtime;
  private final ImagePuller images;
  private final PodStatusWriter status;
  private final Path podDir;
  private final java.util.function.Supplier<String> addresses;
  private static final java.util.concurrent.atomic.AtomicLong ADMISSIONS =
      new java.util.concurrent.atomic.AtomicLong();

  private final String uid;
  private final long admitted = ADMISSIONS.incrementAndGet();
  private volatile Pod pod;
  private volatile boolean vanished;
  private volatile boolean stopping;
  private volatile RunningContainer current;
  private volatile String podIP;
  private Instant startTime;

  PodWorker(
      KubernetesClient client,
      ContainerRuntime runtime,
      ImagePuller images,
      Pod pod,
      Path podDir,
      java.util.function.Supplier<String> addresses) {
    this.client = client;
    this.addresses = addresses;
    this.runtime = runtime;
    this.images = images;
    this.status = new PodStatusWriter(client);
    this.pod = pod;
    this.uid = pod.getMetadata().getUid();
    this.podDir = podDir;
  }

  String uid() {
    return uid;
  }

  /** The order in which the kubelet admitted its pods. */
  long admitted() {
    return admitted;
  }

  Pod pod() {
    return pod;
  }

  String podIP() {
    return podIP;
  }

  /** The output of the container's current (or last) run. */
  String log() {
    RunningContainer run = current;
    return run == null ? "" : run.log();
  }

  void update(Pod latest) {
    this.pod = latest;
  }

  /** The pod object is gone (deleted with grace 0 by someone): stop at once. */
  void vanished() {
    vanished = true;
  }

  /** The kubelet itself stops: kill what runs (now, not at the next tick), write nothing more. */
  void stop() {
    stopping = true;
    RunningContainer run = current;
    if (run != null) {
      run.kill();
    }
  }

  /** The container's process dies at once (SIGKILL), as an OOM kill would. */
  void crash() {
    RunningContainer run = current;
    if (run == null) {
      throw new IllegalStateException("pod " + pod.getMetadata().getName() + " runs nothing");
    }
    run.kill();
  }

  private boolean deleting() {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  private boolean gone() {
    return vanished || stopping;
  }

  @Override
  public void run() {
    try {
      live();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.err.println(
          "kubelet stand-in: pod "
              + pod.getMetadata().getNamespace()
              + "/"
              + pod.getMetadata().getName()
              + " failed: "
              + e);
      e.printStackTrace();
    } finally {
      RunningContainer run = current;
      if (run != null && run.exitCode().isEmpty()) {
        run.kill();
      }
    }
  }

  private void live() throws Exception {
    startTime = Instant.now();
    podIP = addresses.get();
    Container container = pod.getSpec().getContainers().getFirst();
    String name = container.getName();
    if (pod.getSpec().getContainers().size() != 1
        || (pod.getSpec().getInitContainers() != null
            && !pod.getSpec().getInitContainers().isEmpty())) {
      writeWaiting(
          container,
          0,
          null,
          "CreateContainerConfigError",
          "the kubelet stand-in runs pods of exactly one container and no init containers");
      awaitDeletionThenRemove();
      return;
    }
    Path containerDir = Files.createDirectories(podDir.resolve("containers").resolve(name));
    Path volumesDir = podDir.resolve("volumes");
    PathTranslator paths = PathTranslator.forContainer(container, volumesDir, containerDir);
    writeWaiting(container, 0, null, "ContainerCreating", null);
    PodVolumes volumes = null;
    while (volumes == null) {
      if (gone()) {
        return;
      }
      if (deleting()) {
        remove();
        return;
      }
      try {
        volumes = PodVolumes.materialize(client, pod, volumesDir, podIP, paths::translate);
      } catch (ContainerConfigException e) {
        writeWaiting(container, 0, null, e.reason(), e.getMessage());
        Thread.sleep(1000);
      }
    }
    int restarts = 0;
    ContainerState lastState = null;
    Duration backoff = Duration.ZERO;
    while (true) {
      ContainerLaunch launch =
          new ContainerLaunch(
              pod, container, podIP, volumes, containerDir, paths, restarts, client);
      ProbeRunner readiness;
      ProbeRunner liveness;
      RunningContainer run;
      try {
        boolean probes = runtime.probes(launch);
        readiness = probes ? ProbeRunner.readiness(container, podIP) : null;
        liveness = probes ? ProbeRunner.liveness(container, podIP) : null;
        run = start(launch);
      } catch (ContainerConfigException e) {
        writeWaiting(container, restarts, lastState, e.reason(), e.getMessage());
        if (!sleepUnlessDeleted(Duration.ofSeconds(1))) {
          finishDeleted(null);
          return;
        }
        continue;
      }
      current = run;
      Instant startedAt = Instant.now();
      boolean ready = readiness == null;
      write("Running", running(container, startedAt, restarts, lastState, ready), ready);
      Instant nextRefresh = Instant.now().plus(VOLUME_REFRESH);
      OptionalInt exit = OptionalInt.empty();
      String killedBecause = null;
      while (exit.isEmpty()) {
        if (gone()) {
          run.kill();
          return;
        }
        if (deleting()) {
          exit = OptionalInt.of(stop(run, deletionGrace()));
          break;
        }
        exit = run.exitCode();
        if (exit.isPresent()) {
          break;
        }
        Instant now = Instant.now();
        if (liveness != null && !liveness.check(now)) {
          killedBecause = "liveness probe failed";
          exit = OptionalInt.of(stop(run, specGrace()));
          break;
        }
        boolean nowReady = readiness == null || readiness.check(now);
        if (nowReady != ready) {
          ready = nowReady;
          write("Running", running(container, startedAt, restarts, lastState, ready), ready);
        }
        if (now.isAfter(nextRefresh)) {
          refresh(volumes);
          nextRefresh = now.plus(VOLUME_REFRESH);
        }
        Thread.sleep(TICK.toMillis());
      }
      ContainerState terminated =
          terminated(container, run, exit.getAsInt(), startedAt, killedBecause);
      if (deleting()) {
        finishDeleted(status(container, terminated, restarts, lastState, false));
        return;
      }
      String policy =
          pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
      boolean restart =
          policy.equals("Always") || (policy.equals("OnFailure") && exit.getAsInt() != 0);
      if (!restart) {
        String phase = exit.getAsInt() == 0 ? "Succeeded" : "Failed";
        status.write(
            pod,
            phase,
            podIP,
            startTime,
            status(container, terminated, restarts, lastState, false),
            false);
        awaitDeletionThenRemove();
        return;
      }
      if (Duration.between(startedAt, Instant.now()).compareTo(Duration.ofMinutes(10)) > 0) {
        backoff = Duration.ZERO; // ran long enough: the back-off starts over
      }
      lastState = terminated;
      if (!backoff.isZero()) {
        writeWaiting(
            container,
            restarts,
            lastState,
            "CrashLoopBackOff",
            "back-off "
                + backoff.toSeconds()
                + "s restarting failed container="
                + container.getName());
      }
      if (!sleepUnlessDeleted(backoff)) {
        finishDeleted(status(container, lastState, restarts, null, false));
        return;
      }
      backoff =
          backoff.isZero() ? Duration.ofSeconds(10) : min(backoff.multipliedBy(2), MAX_BACKOFF);
      restarts++;
    }
  }

  /**
   * The image first (pulled by its pull policy, as before every container start of a kubelet), then
   * the runtime. An API error while starting (a Secret read failing) is retried like a config
   * error.
   */
  private RunningContainer start(ContainerLaunch launch) throws ContainerConfigException {
    images.ensure(launch.pod(), launch.container());
    try {
      return runtime.start(launch);
    } catch (RuntimeException e) {
      throw new ContainerConfigException("RunContainerError", e.toString());
    }
  }

  /** As the kubelet: when a Secret or ConfigMap cannot be read now, the files stay as they were. */
  private static void refresh(PodVolumes volumes) {
    try {
      volumes.refresh();
    } catch (ContainerConfigException | IOException | RuntimeException e) {
      // retried at the next refresh
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  /** SIGTERM, then SIGKILL after the grace period; the exit code. */
  private int stop(RunningContainer run, long graceSeconds) throws InterruptedException {
    run.terminate();
    Instant deadline = Instant.now().plusSeconds(graceSeconds);
    while (Instant.now().isBefore(deadline)) {
      OptionalInt exit = run.exitCode();
      if (exit.isPresent()) {
        return exit.getAsInt();
      }
      Thread.sleep(TICK.toMillis());
    }
    run.kill();
    for (int i = 0; i < 100; i++) {
      OptionalInt exit = run.exitCode();
      if (exit.isPresent()) {
        return exit.getAsInt();
      }
      Thread.sleep(TICK.toMillis());
    }
    throw new IllegalStateException("container survived SIGKILL");
  }

  private long deletionGrace() {
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    return grace != null ? grace : specGrace();
  }

  private long specGrace() {
    Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
    return grace != null ? grace : 30;
  }

  /** Sleeps, false as soon as the pod is being deleted (or gone). */
  private boolean sleepUnlessDeleted(Duration duration) throws InterruptedException {
    Instant until = Instant.now().plus(duration);
    while (Instant.now().isBefore(until)) {
      if (deleting() || gone()) {
        return false;
      }
      Thread.sleep(TICK.toMillis());
    }
    return !deleting() && !gone();
  }

  private void awaitDeletionThenRemove() throws InterruptedException {
    while (!gone()) {
      if (deleting()) {
        remove();
        return;
      }
      Thread.sleep(TICK.toMillis());
    }
  }

  /** After a deletion stopped the container: the terminal phase, then the object removed. */
  private void finishDeleted(ContainerStatus last) {
    if (gone()) {
      return;
    }
    if (last != null) {
      Integer code =
          last.getState().getTerminated() == null
              ? null
              : last.getState().getTerminated().getExitCode();
      String phase = code != null && code == 0 ? "Succeeded" : "Failed";
      status.write(pod, phase, podIP, startTime, last, false);
    }
    remove();
  }

  private void remove() {
    if (gone()) {
      return;
    }
    client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .withGracePeriod(0)
        .delete();
  }

  private void write(String phase, ContainerStatus containerStatus, boolean ready) {
    if (!gone()) {
      status.write(pod, phase, podIP, startTime, containerStatus, ready);
    }
  }

  private void writeWaiting(
      Container container, int restarts, ContainerState lastState, String reason, String message) {
    ContainerState waiting =
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason(reason)
            .withMessage(message)
            .endWaiting()
            .build();
    String phase = restarts == 0 && lastState == null ? "Pending" : "Running";
    write(phase, status(container, waiting, restarts, lastState, false), false);
  }

  private static ContainerStatus running(
      Container container,
      Instant startedAt,
      int restarts,
      ContainerState lastState,
      boolean ready) {
    ContainerState state =
        new ContainerStateBuilder()
            .withNewRunning()
            .withStartedAt(startedAt.toString())
            .endRunning()
            .build();
    return status(container, state, restarts, lastState, ready);
  }

  private static ContainerStatus status(
      Container container,
      ContainerState state,
      int restarts,
      ContainerState lastState,
      boolean ready) {
    return new ContainerStatusBuilder()
        .withName(container.getName())
        .withImage(container.getImage())
        .withImageID("local://" + container.getImage())
        .withContainerID(
            state.getWaiting() == null ? "standin://" + container.getName() + "-" + restarts : null)
        .withState(state)
        .withLastState(lastState == null ? new ContainerState() : lastState)
        .withReady(ready)
        .withStarted(state.getRunning() != null)
        .withRestartCount(restarts)
        .build();
  }

  /**
   * The terminated state: reason OOMKilled when the kernel killed it for its memory limit, else
   * Completed or Error; the message from terminationMessagePath, or with FallbackToLogsOnError and
   * a failure the log's last 80 lines (at most 2 KiB).
   */
  private ContainerState terminated(
      Container container, RunningContainer run, int exitCode, Instant startedAt, String why) {
    String message = run.terminationMessage();
    if ((message == null || message.isEmpty())
        && exitCode != 0
        && "FallbackToLogsOnError".equals(container.getTerminationMessagePolicy())) {
      message = tail(run.log());
    }
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(run.oomKilled() ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error")
        .withMessage(message == null || message.isEmpty() ? why : message)
        .withStartedAt(startedAt.toString())
        .withFinishedAt(Instant.now().toString())
        .withContainerID("standin://" + container.getName())
        .endTerminated()
        .build();
  }

  private static String tail(String log) {
    List<String> lines = log.lines().toList();
    String tail =
        String.join("\n", lines.subList(Math.max(0, lines.size() - FALLBACK_LINES), lines.size()));
    return tail.length() <= FALLBACK_BYTES ? tail : tail.substring(tail.length() - FALLBACK_BYTES);
  }

  static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // leftovers in the work directory are harmless
    }
  }
}
