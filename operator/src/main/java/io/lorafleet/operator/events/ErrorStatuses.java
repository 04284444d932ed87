package io.lorafleet.operator.events;

import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.operator.reconcile.ApiRejections;
import io.lorafleet.operator.reconcile.Failures;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What every reconciler's {@code updateErrorStatus} does with a failed reconcile: a 409 is benign
 * (the retry reads the current object), a 422 is permanent (an object built from the spec is
 * invalid: blocked, no retry, the spec change brings the next reconcile), anything else is
 * transient (Degraded, JOSDK retries with back-off). Each kind says only how its status shows it.
 */
@ApplicationScoped
public class ErrorStatuses {

  /** How one kind's status shows a failed reconcile, built by its aggregator. */
  public interface KindStatus<S> {
    /** The API server refused an object built from the spec (HTTP 422), with its message. */
    S rejected(String message);

    /**
     * Transient: retried with back-off. {@code cause} is the object-store failure when there is one
     * in the chain ({@code objectStore} true), else the exception JOSDK reported.
     */
    S retrying(boolean objectStore, Throwable cause);
  }

  private final StatusUpdates statuses;

  public ErrorStatuses(StatusUpdates statuses) {
    this.statuses = statuses;
  }

  public <S extends LorafleetStatus, R extends CustomResource<?, S>>
      ErrorStatusUpdateControl<R> update(R resource, Exception e, KindStatus<S> kind) {
    if (ApiRejections.conflict(e)) {
      // A stale resourceVersion or an object created meanwhile: the retry reads the current one.
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    var invalid = ApiRejections.invalid(e);
    if (invalid.isPresent()) {
      return statuses
          .patchOnError(resource, kind.rejected(ApiRejections.message(invalid.get())))
          .withNoRetry();
    }
    Throwable cause = Failures.rootOf(e, ObjectStoreException.class);
    return statuses.patchOnError(
        resource, kind.retrying(cause instanceof ObjectStoreException, cause));
  }
}
