package io.lorafleet.operator.events;

import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Status writes of every reconciler: nothing when the new status equals the stored one (the
 * aggregators keep transition times, so an unchanged resource gives an equal status), otherwise an
 * Event per Ready/Degraded transition and a status patch.
 */
@ApplicationScoped
public class StatusUpdates {
  private final ConditionEvents events;

  public StatusUpdates(ConditionEvents events) {
    this.events = events;
  }

  public <S extends LorafleetStatus, R extends CustomResource<?, S>> UpdateControl<R> patch(
      R resource, S status) {
    if (!apply(resource, status)) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.patchStatus(resource);
  }

  public <S extends LorafleetStatus, R extends CustomResource<?, S>>
      ErrorStatusUpdateControl<R> patchOnError(R resource, S status) {
    if (!apply(resource, status)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    return ErrorStatusUpdateControl.patchStatus(resource);
  }

  private <S extends LorafleetStatus, R extends CustomResource<?, S>> boolean apply(
      R resource, S status) {
    S previous = resource.getStatus();
    if (status.equals(previous)) {
      return false;
    }
    events.recordTransitions(resource, previous, status);
    resource.setStatus(status);
    return true;
  }
}
