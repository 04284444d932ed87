package io.lorafleet.operator.testing.kubelet;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.testcluster.kubelet.RunningContainer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One run of a simulated Job container (merge or training): its body follows the trainer image's
 * contract on a virtual thread and returns the exit code. As the trainer's JVM does, SIGTERM (a Job
 * deadline, a suspend, a pod deletion) ends it with 143 and SIGKILL with 137; the body is
 * interrupted either way, so a run waiting for the test does not outlive its pod.
 */
final class SimulatedContainer implements RunningContainer {
  /** What the container does; returns its exit code. */
  @FunctionalInterface
  interface Body {
    int run(SimulatedContainer container) throws Exception;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final StringBuffer log = new StringBuffer();
  private volatile Integer exit;
  private volatile String terminationMessage = "";
  private volatile Thread thread;

  private SimulatedContainer() {}

  static SimulatedContainer start(String name, Body body) {
    SimulatedContainer container = new SimulatedContainer();
    container.thread =
        Thread.ofVirtual()
            .name(name)
            .unstarted(
                () -> {
                  try {
                    container.exit(body.run(container));
                  } catch (InterruptedException e) {
                    container.exit(143);
                  } catch (Exception e) {
                    container.log.append(e).append('\n');
                    container.exit(1);
                  }
                });
    container.thread.start();
    return container;
  }

  /** Writes {@code content} as JSON to {@code file} of the run directory, as the trainer does. */
  static void writeJson(S3ObjectStore s3, S3Uri run, String file, Map<String, Object> content)
      throws Exception {
    s3.putBytes(
        run.bucket(),
        run.prefix() + file,
        JSON.writeValueAsString(content).getBytes(StandardCharsets.UTF_8));
  }

  /** What the trainer writes to /dev/termination-log before it exits. */
  void terminationMessage(String message) {
    terminationMessage = message;
  }

  private synchronized void exit(int code) {
    if (exit == null) {
      exit = code;
    }
  }

  @Override
  public OptionalInt exitCode() {
    Integer code = exit;
    return code == null ? OptionalInt.empty() : OptionalInt.of(code);
  }

  @Override
  public void terminate() {
    exit(143);
    thread.interrupt();
  }

  @Override
  public void kill() {
    exit(137);
    thread.interrupt();
  }

  @Override
  public String log() {
    return log.toString();
  }

  @Override
  public String terminationMessage() {
    return terminationMessage;
  }
}
