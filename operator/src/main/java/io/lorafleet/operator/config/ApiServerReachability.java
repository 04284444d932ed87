package io.lorafleet.operator.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Says in one line, at start-up, when the API server cannot be reached: otherwise the only trace is
 * a connection error deep inside the informers' stack traces. It checks off the start-up thread, so
 * a slow API server does not delay the controllers, and it stops nothing itself.
 */
@ApplicationScoped
public class ApiServerReachability {
  private static final Logger LOG = Logger.getLogger(ApiServerReachability.class);

  void onStart(@Observes StartupEvent event, KubernetesClient client) {
    Thread.ofVirtual().name("api-server-check").start(() -> check(client));
  }

  /** Empty when the API server answered; otherwise the line that was logged. */
  static Optional<String> check(KubernetesClient client) {
    String server = client.getConfiguration().getMasterUrl();
    try {
      var version = client.getKubernetesVersion();
      LOG.infof("API server %s reached (Kubernetes %s)", server, version.getGitVersion());
      return Optional.empty();
    } catch (RuntimeException e) {
      String line =
          "Cannot reach the Kubernetes API server at %s (%s). The operator needs one: run it in a"
                  .formatted(server, rootCause(e))
              + " cluster with its ServiceAccount, or point KUBECONFIG (or KUBERNETES_MASTER) at one.";
      LOG.error(line);
      return Optional.of(line);
    }
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }
}
