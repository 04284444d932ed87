package io.lorafleet.server.state;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pod's "something a router cares about changed" signal: the places that change what {@code GET
 * /v1/pod/state} reports (adapter registry and tiers, registrations, on-demand loads, the
 * scheduler's running and waiting counts, readiness) call {@link #changed}, and the pod-state
 * tracker takes a new snapshot then, instead of polling on a timer. Listeners must be cheap and
 * must not block: they run on the caller's thread (the engine thread among them).
 */
@ApplicationScoped
public class StateChanges {
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  public void listen(Runnable listener) {
    listeners.add(listener);
  }

  public void changed() {
    for (Runnable r : listeners) {
      r.run();
    }
  }
}
