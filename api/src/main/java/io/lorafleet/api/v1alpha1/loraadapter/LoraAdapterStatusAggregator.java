package io.lorafleet.api.v1alpha1.loraadapter;

import io.lorafleet.api.v1alpha1.common.ConditionReason;
import io.lorafleet.api.v1alpha1.common.StatusAggregator;
import java.time.Clock;

/**
 * Decides a LoraAdapter's conditions: ready only when the resolved digest is confirmed loaded on at
 * least the desired number of pods (its warm copies) and, on pools that register adapters, is
 * registered on every ready pod; never merely because loads were requested.
 */
public final class LoraAdapterStatusAggregator
    extends StatusAggregator<LoraAdapterStatusAggregator> {
  private boolean resolved;
  private int desiredReplicas;
  private int readyReplicas;
  private int poolPods = -1;
  private int registeredPods;
  private Progress rollout;

  public LoraAdapterStatusAggregator(LoraAdapter resource, Clock clock) {
    super(resource.getStatus(), resource.getMetadata().getGeneration(), clock);
  }

  /** The artifact was found, its digest checked and its compatibility with the base verified. */
  public LoraAdapterStatusAggregator resolved(boolean value) {
    this.resolved = value;
    return this;
  }

  public LoraAdapterStatusAggregator replicas(int desired, int ready) {
    this.desiredReplicas = desired;
    this.readyReplicas = ready;
    return this;
  }

  /**
   * The pool's ready pods and how many have the adapter registered; once called, readiness also
   * needs every ready pod to have it registered, and a warm count of 0 is a valid goal.
   */
  public LoraAdapterStatusAggregator registered(int pool, int registered) {
    this.poolPods = pool;
    this.registeredPods = registered;
    return this;
  }

  /**
   * Where a canary rollout stands: once the stable version is placed, Ready keeps its truth but
   * takes this reason and message, and Progressing follows the rollout.
   */
  public LoraAdapterStatusAggregator rollout(
      LoraAdapterReason reason, String message, boolean progressing) {
    this.rollout = new Progress(true, reason, message, progressing);
    return this;
  }

  /** The observed status with its conditions decided and the generation stamped. */
  public LoraAdapterStatus build(LoraAdapterStatus observed) {
    return observed.withConditions(generation(), decideConditions());
  }

  @Override
  protected Progress progress() {
    Progress placement = placementProgress();
    return rollout != null && placement.ready() ? rollout : placement;
  }

  private Progress placementProgress() {
    if (!resolved) {
      return new Progress(
          false, LoraAdapterReason.Resolving, "checking the artifact against the base", true);
    }
    if (poolPods >= 0) {
      if (poolPods == 0) {
        return new Progress(
            false, LoraAdapterReason.NoServingPods, "the base model has no serving pods", false);
      }
      String pods =
          readyReplicas
              + "/"
              + desiredReplicas
              + " warm copies of the resolved digest, registered on "
              + registeredPods
              + "/"
              + poolPods
              + " pods";
      return readyReplicas >= desiredReplicas && registeredPods >= poolPods
          ? new Progress(true, LoraAdapterReason.Placed, pods, false)
          : new Progress(false, LoraAdapterReason.Placing, pods, true);
    }
    if (desiredReplicas == 0) {
      return new Progress(
          false, LoraAdapterReason.NoServingPods, "the base model has no serving pods", false);
    }
    String pods = readyReplicas + "/" + desiredReplicas + " pods serve the resolved digest";
    return readyReplicas >= desiredReplicas
        ? new Progress(true, LoraAdapterReason.Placed, pods, false)
        : new Progress(false, LoraAdapterReason.Placing, pods, true);
  }

  @Override
  protected ConditionReason asExpected() {
    return LoraAdapterReason.AsExpected;
  }
}
