package io.lorafleet.operator.events;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Objects;
import java.util.Optional;

/** One Event for every change of a resource's Ready or Degraded condition. */
@ApplicationScoped
public class ConditionEvents {
  private final EventRecorder recorder;

  public ConditionEvents(EventRecorder recorder) {
    this.recorder = recorder;
  }

  public void recordTransitions(
      HasMetadata resource, LorafleetStatus before, LorafleetStatus after) {
    Optional<Condition> degraded =
        changed(before, after, ConditionType.Degraded).filter(Condition::isTrue);
    degraded.ifPresent(
        c -> recorder.record(resource, EventRecorder.Type.Warning, c.reason(), c.message()));
    // A problem that also makes the resource unready is reported once, by the Degraded event.
    // Not ready while nothing is wrong (starting, training, waiting for another resource) is
    // progress, a Normal event; not ready with a problem is a Warning.
    boolean problem = after.condition(ConditionType.Degraded).map(Condition::isTrue).orElse(false);
    changed(before, after, ConditionType.Ready)
        .filter(c -> degraded.map(d -> !d.reason().equals(c.reason())).orElse(true))
        .ifPresent(
            c ->
                recorder.record(
                    resource,
                    c.isTrue() || !problem ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
                    c.reason(),
                    c.message()));
  }

  private static Optional<Condition> changed(
      LorafleetStatus before, LorafleetStatus after, ConditionType type) {
    Optional<Condition> next = after.condition(type);
    Optional<Condition> previous = before == null ? Optional.empty() : before.condition(type);
    if (next.isEmpty()) {
      return Optional.empty();
    }
    boolean same =
        previous.isPresent()
            && previous.get().status() == next.get().status()
            && Objects.equals(previous.get().reason(), next.get().reason());
    return same ? Optional.empty() : next;
  }
}
