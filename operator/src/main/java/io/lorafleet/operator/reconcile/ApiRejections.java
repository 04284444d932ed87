package io.lorafleet.operator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the API server said when it refused a write of an owned object, found inside what JOSDK
 * hands to updateErrorStatus (dependent failures come wrapped in an AggregatedOperatorException,
 * whose causes are a map, not the cause chain).
 */
public final class ApiRejections {
  private ApiRejections() {}

  /**
   * A 422: the object the operator built from the spec is invalid (a quantity, a toleration, a
   * field the API server checks and the CRD does not). Retrying cannot help; the spec must change.
   */
  public static Optional<KubernetesClientException> invalid(Throwable thrown) {
    return find(thrown, 422);
  }

  /**
   * A 409: a stale resourceVersion or an object created meanwhile. Benign: the next attempt reads
   * the current object.
   */
  public static boolean conflict(Throwable thrown) {
    return find(thrown, 409).isPresent();
  }

  /** The API server's own message (field and reason), without the client's request line. */
  public static String message(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return Failures.message(e);
  }

  private static Optional<KubernetesClientException> find(Throwable thrown, int code) {
    Deque<Throwable> todo = new ArrayDeque<>();
    Set<Throwable> seen = new HashSet<>();
    todo.add(thrown);
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      if (t instanceof KubernetesClientException k && k.getCode() == code) {
        return Optional.of(k);
      }
      if (t instanceof AggregatedOperatorException aggregated) {
        aggregated.getAggregatedExceptions().values().forEach(todo::add);
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
    }
    return Optional.empty();
  }
}
