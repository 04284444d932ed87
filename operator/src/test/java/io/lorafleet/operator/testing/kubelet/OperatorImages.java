package io.lorafleet.operator.testing.kubelet;

import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.reconcile.PodSecurity;
import io.lorafleet.testcluster.kubelet.ImageRegistry;
import io.lorafleet.testcluster.kubelet.LocalImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The operator's images for the kubelet stand-in's process runtime: the server and trainer images
 * as the reactor's jars with the images' JVM flags ({@link LocalImages}), as their USER
 * (10001:10001). The JVM's temporary directory is the container's /tmp. The server is also given
 * {@code --host <pod IP>}: in a pod it listens on all addresses of its own network namespace, here
 * on the pod's loopback address, so that several pods use the same port.
 */
public final class OperatorImages {
  /** Where the kubelet mounts a pod's ServiceAccount token, CA and namespace. */
  private static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  /** The trainer's default terminationMessagePath, and how a process is pointed elsewhere. */
  private static final String TERMINATION_MESSAGE = "/dev/termination-log";

  private static final String TERMINATION_LOG_ENV = "LORAFLEET_TERMINATION_LOG";

  private OperatorImages() {}

  /** The registry of a cluster where the operator is installed: its four images are pushed. */
  public static ImageRegistry published(OperatorConfig config) {
    return ImageRegistry.of(
        config.serverImage(), config.routerImage(), config.vllmImage(), config.trainerImage());
  }

  /**
   * The registry of a node that runs real processes: exactly the images that have a local command
   * in {@code images}; any other image cannot be pulled.
   */
  public static ImageRegistry runnable(Function<String, LocalImage> images) {
    return ImageRegistry.serving(image -> images.apply(image) != null);
  }

  public static Function<String, LocalImage> of(OperatorConfig config) {
    LocalImage server =
        new LocalImage(
            PodSecurity.USER,
            PodSecurity.USER,
            launch -> {
              List<String> command = withTmp(LocalImages.server(), launch.local("/tmp"));
              command.addAll(launch.args());
              command.add("--host");
              command.add(launch.podIP());
              return command;
            });
    LocalImage trainer =
        new LocalImage(
            PodSecurity.USER,
            PodSecurity.USER,
            launch -> {
              List<String> command = withTmp(LocalImages.trainer(), launch.local("/tmp"));
              command.addAll(launch.args());
              // The image's ENV (trainer-image/Dockerfile): HOME and the tokenizer's native
              // cache under /tmp, the only writable path of a read-only root file system.
              Path tmp = launch.local("/tmp");
              List<String> env = new ArrayList<>(List.of("/usr/bin/env"));
              env.add("HOME=" + tmp);
              env.add("DJL_CACHE_DIR=" + tmp.resolve("djl"));
              env.add("ENGINE_CACHE_DIR=" + tmp.resolve("djl"));
              // In a pod the trainer writes /dev/termination-log, where the kubelet mounted the
              // container's termination message file; here that file is elsewhere.
              Path message = launch.local(TERMINATION_MESSAGE);
              if (message != null) {
                env.add(TERMINATION_LOG_ENV + "=" + message);
              }
              command.addAll(0, env);
              return command;
            });
    return image -> {
      if (image.equals(config.serverImage())) {
        return server;
      }
      if (image.equals(config.trainerImage())) {
        return trainer;
      }
      return null;
    };
  }

  /**
   * As {@link #of}, plus the router image as the reactor's router jar (its HTTP listener on the
   * pod's IP). Opt-in: every BaseModel has router pods, and most tests need no router JVMs.
   *
   * <p>Its Kubernetes client finds the ServiceAccount token and CA where the kubelet mounted them
   * (the Fabric8 client reads fixed paths under /var/run/secrets, which a process here does not
   * have), and it names the pod that served each answer ({@code X-Lorafleet-Pod}, off in the image)
   * so that a test can check where a request went.
   */
  public static Function<String, LocalImage> withRouter(OperatorConfig config) {
    Function<String, LocalImage> images = of(config);
    LocalImage router =
        new LocalImage(
            PodSecurity.USER,
            PodSecurity.USER,
            launch -> {
              List<String> command = withTmp(LocalImages.router(), launch.local("/tmp"));
              command.add(1, "-Dquarkus.http.host=" + launch.podIP());
              Path account = launch.local(SERVICE_ACCOUNT_DIR);
              if (account != null) {
                command.add(
                    1, "-Dkubernetes.auth.serviceAccount.token=" + account.resolve("token"));
                command.add(1, "-Dkubernetes.certs.ca.file=" + account.resolve("ca.crt"));
              }
              command.add(1, "-Dlorafleet.router.pod-header=true");
              return command;
            });
    return image -> image.equals(config.routerImage()) ? router : images.apply(image);
  }

  private static List<String> withTmp(List<String> entrypoint, Path tmp) {
    List<String> command = new ArrayList<>(entrypoint);
    command.add(1, "-Djava.io.tmpdir=" + tmp);
    return command;
  }
}
