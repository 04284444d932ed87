package io.lorafleet.api.v1alpha1.basemodel;

import io.lorafleet.api.v1alpha1.common.ConditionReason;
import io.lorafleet.api.v1alpha1.common.StatusAggregator;
import java.time.Clock;

/**
 * Decides a BaseModel's conditions: ready when the source is resolved and every desired serving pod
 * is ready.
 */
public final class BaseModelStatusAggregator extends StatusAggregator<BaseModelStatusAggregator> {
  private boolean resolved;
  private int desiredReplicas;
  private int readyReplicas;
  private boolean rolledOut = true;
  private String rollout = "";

  public BaseModelStatusAggregator(BaseModel resource, Clock clock) {
    super(resource.getStatus(), resource.getMetadata().getGeneration(), clock);
  }

  /** The source's config.json was read and validated. */
  public BaseModelStatusAggregator resolved(boolean value) {
    this.resolved = value;
    return this;
  }

  public BaseModelStatusAggregator replicas(int desired, int ready) {
    this.desiredReplicas = desired;
    this.readyReplicas = ready;
    return this;
  }

  /**
   * Whether the serving Deployment runs the current template on every desired pod with no old pod
   * left; the message says how far it is when not.
   */
  public BaseModelStatusAggregator rollout(boolean complete, String message) {
    this.rolledOut = complete;
    this.rollout = message == null ? "" : message;
    return this;
  }

  /** The observed status with its conditions decided and the generation stamped. */
  public BaseModelStatus build(BaseModelStatus observed) {
    return observed.withConditions(generation(), decideConditions());
  }

  @Override
  protected Progress progress() {
    if (!resolved) {
      return new Progress(false, BaseModelReason.Resolving, "reading the model's config", true);
    }
    if (desiredReplicas == 0) {
      return new Progress(true, BaseModelReason.ScaledToZero, "no serving pods requested", false);
    }
    String pods = readyReplicas + "/" + desiredReplicas + " serving pods ready";
    if (readyReplicas < desiredReplicas) {
      return new Progress(false, BaseModelReason.PodsStarting, pods, true);
    }
    // Ready old pods are not a finished rollout: the pool does not yet run the spec.
    return rolledOut
        ? new Progress(true, BaseModelReason.Available, pods, false)
        : new Progress(false, BaseModelReason.RollingOut, pods + "; " + rollout, true);
  }

  @Override
  protected ConditionReason asExpected() {
    return BaseModelReason.AsExpected;
  }
}
