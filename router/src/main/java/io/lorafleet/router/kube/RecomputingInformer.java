package io.lorafleet.router.kube;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Runs an informer whose every event recomputes the whole derived state from its cache, so a missed
 * or reordered event cannot leave a stale entry behind (the pod set, the rollout splits).
 */
public final class RecomputingInformer {
  private RecomputingInformer() {}

  /**
   * Adds the handler, then runs {@code informer}: returns once the first list is in its store, and
   * runs {@code recompute} once more then. The caller assigns the informer before calling this: the
   * objects that exist already arrive as add events while it starts, and {@code recompute} reads
   * its store (inform() would assign it only after those events ran: a NullPointerException per
   * event, seen on a real API server).
   */
  public static void run(SharedIndexInformer<?> informer, Runnable recompute) {
    informer.addEventHandler(
        new ResourceEventHandler<Object>() {
          @Override
          public void onAdd(Object o) {
            recompute.run();
          }

          @Override
          public void onUpdate(Object old, Object o) {
            recompute.run();
          }

          @Override
          public void onDelete(Object o, boolean unknownFinalState) {
            recompute.run();
          }
        });
    informer.run();
    recompute.run();
  }
}
