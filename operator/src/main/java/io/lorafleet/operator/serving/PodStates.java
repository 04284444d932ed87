package io.lorafleet.operator.serving;

import io.lorafleet.serving.pod.PodState;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Where the adapters sit on each ready builtin serving pod, as the pod itself reports it: one long
 * poll per pod of {@code GET /v1/pod/state} (the endpoint the router follows; it answers when the
 * pod's state changes, or after the wait with the same state). Only the served names whose copy
 * appeared, left or changed version are passed on; a move between the pod's tiers is not (under
 * traffic the tiers churn with every cold load, and each move would be a status write). A pod's
 * answers are taken at most once per {@link #PACE}: the state moves with every request.
 */
@ApplicationScoped
public class PodStates {
  private static final Logger LOG = Logger.getLogger(PodStates.class);

  /** How long the pod may hold a poll when nothing changes. */
  static final Duration WAIT = Duration.ofSeconds(10);

  /** At most one answer per pod per pace is taken: bounds the status writes under churn. */
  static final Duration PACE = Duration.ofSeconds(2);

  /** Failed polls in a row after which a pod is given up (gone, or not a builtin server). */
  static final int MAX_FAILURES = 5;

  private static final Duration RETRY = Duration.ofSeconds(1);

  /** A version a pod holds under a served name, in any of its tiers. */
  public record Copy(String digest) {}

  /** Told which served names changed on a pod of a pool. */
  @FunctionalInterface
  public interface Listener {
    void changed(String namespace, String baseModel, Set<String> servedNames);
  }

  private final AdminClient client =
      new AdminClient(WAIT.plusSeconds(5), AdminClient.MAX_BODY_BYTES);
  private final Map<String, Follower> followers = new ConcurrentHashMap<>();
  private volatile Listener listener = (namespace, baseModel, names) -> {};

  public void bind(Listener listener) {
    this.listener = listener;
  }

  /**
   * Follows the pod incarnation, unless it is followed already (idempotent, cheap). {@code
   * adminToken} gives the pool's admin token at each poll (read again after a rotation): a pool
   * with inference auth answers its state only to a token.
   */
  public void follow(
      String namespace, String baseModel, ServingPod pod, Supplier<String> adminToken) {
    followers.compute(
        pod.uid(),
        (uid, current) -> {
          if (current != null && current.pod.equals(pod) && !current.stopped) {
            return current;
          }
          if (current != null) {
            current.stop();
          }
          Follower follower = new Follower(namespace, baseModel, pod, adminToken);
          follower.thread = Thread.ofVirtual().name("pod-state-" + pod.name()).start(follower::run);
          return follower;
        });
  }

  /** What the pod incarnation reports under {@code servedName}; empty when nothing or unknown. */
  public Optional<Copy> copy(ServingPod pod, String servedName) {
    Follower follower = followers.get(pod.uid());
    if (follower == null || !follower.pod.equals(pod)) {
      return Optional.empty();
    }
    return Optional.ofNullable(follower.copies.get(servedName));
  }

  /** Stops following the pool's pods whose UIDs are not in {@code podUids}. */
  public void retain(String namespace, String baseModel, Set<String> podUids) {
    followers
        .entrySet()
        .removeIf(
            e -> {
              Follower f = e.getValue();
              boolean gone =
                  f.namespace.equals(namespace)
                      && f.baseModel.equals(baseModel)
                      && !podUids.contains(e.getKey());
              if (gone) {
                f.stop();
              }
              return gone;
            });
  }

  /** Pods followed now (for tests and the shutdown). */
  int followed() {
    return followers.size();
  }

  void onShutdown(@Observes ShutdownEvent event) {
    followers.values().forEach(Follower::stop);
    followers.clear();
  }

  private final class Follower {
    final String namespace;
    final String baseModel;
    final ServingPod pod;
    final Supplier<String> adminToken;
    volatile boolean stopped;
    volatile Thread thread;
    volatile Map<String, Copy> copies = Map.of();

    Follower(String namespace, String baseModel, ServingPod pod, Supplier<String> adminToken) {
      this.adminToken = adminToken;
      this.namespace = namespace;
      this.baseModel = baseModel;
      this.pod = pod;
    }

    void stop() {
      stopped = true;
      Thread t = thread;
      if (t != null) {
        t.interrupt();
      }
    }

    void run() {
      long version = -1;
      int failures = 0;
      try {
        while (!stopped) {
          try {
            PodState state = client.podState(pod.endpoint(), adminToken.get(), version, WAIT);
            failures = 0;
            version = state.version();
            publish(parse(state));
            Thread.sleep(PACE);
          } catch (IOException e) {
            version = -1;
            if (++failures >= MAX_FAILURES) {
              // Given up: the copies are unknown now. follow() starts again on a later reconcile.
              LOG.debugf(
                  "pod %s: no state after %d tries: %s", pod.name(), failures, e.getMessage());
              // Out of the map before telling anyone: a reconcile the news triggers starts a new
              // follower instead of finding this one.
              followers.remove(pod.uid(), this);
              publish(Map.of());
              stopped = true;
              return;
            }
            Thread.sleep(RETRY);
          }
        }
      } catch (InterruptedException e) {
        // stopped
      }
    }

    private Map<String, Copy> parse(PodState state) {
      Map<String, Copy> result = new HashMap<>();
      for (PodState.Resident adapter : state.adapters()) {
        result.put(adapter.name(), new Copy(Objects.toString(adapter.digest(), "")));
      }
      return Map.copyOf(result);
    }

    private void publish(Map<String, Copy> now) {
      Map<String, Copy> before = copies;
      copies = now;
      Set<String> changed = new HashSet<>();
      before.forEach(
          (name, copy) -> {
            if (!copy.equals(now.get(name))) {
              changed.add(name);
            }
          });
      now.forEach(
          (name, copy) -> {
            if (!copy.equals(before.get(name))) {
              changed.add(name);
            }
          });
      if (!changed.isEmpty() && !stopped) {
        listener.changed(namespace, baseModel, changed);
      }
    }
  }
}
