package io.lorafleet.api.v1alpha1.basemodel;

import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionReason;
import io.lorafleet.api.v1alpha1.common.ConditionStatus;
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
  private int routerDesired;
  private int routerAvailable;
  private boolean routerObserved;
  private final BaseModelStatus previous;
  private final Clock clock;

  /** The type of the condition that tells whether the pool's router serves. */
  public static final String ROUTER_READY = "RouterReady";

  public BaseModelStatusAggregator(BaseModel resource, Clock clock) {
    super(resource.getStatus(), resource.getMetadata().getGeneration(), clock);
    this.previous = resource.getStatus();
    this.clock = clock;
  }

  /**
   * The router Deployment's requested and available pods (0 requested: no router runs). Decides the
   * RouterReady condition only; the pool's Ready stays about its serving pods.
   */
  public BaseModelStatusAggregator router(int desired, int available) {
    this.routerDesired = desired;
    this.routerAvailable = available;
    this.routerObserved = true;
    return this;
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
    java.util.List<Condition> conditions = new java.util.ArrayList<>(decideConditions());
    if (routerObserved) {
      conditions.add(routerCondition());
    } else {
      // Not observed this time (the source did not resolve, a failed reconcile): kept as it was.
      previousConditions().stream()
          .filter(c -> ROUTER_READY.equals(c.type()))
          .findFirst()
          .ifPresent(conditions::add);
    }
    return observed.withConditions(generation(), java.util.List.copyOf(conditions));
  }

  private java.util.List<Condition> previousConditions() {
    return previous == null || previous.conditions() == null
        ? java.util.List.of()
        : previous.conditions();
  }

  /** RouterReady, keeping its lastTransitionTime while its status does not change. */
  private Condition routerCondition() {
    boolean ready = routerDesired > 0 && routerAvailable >= routerDesired;
    BaseModelReason reason =
        routerDesired == 0
            ? BaseModelReason.RouterNotRun
            : ready ? BaseModelReason.RouterAvailable : BaseModelReason.RouterStarting;
    String message =
        routerDesired == 0
            ? "no router runs for this pool"
            : routerAvailable + "/" + routerDesired + " router pods available";
    ConditionStatus status = ConditionStatus.of(ready);
    String since =
        previousConditions().stream()
            .filter(
                c ->
                    ROUTER_READY.equals(c.type())
                        && c.status() == status
                        && c.lastTransitionTime() != null)
            .map(Condition::lastTransitionTime)
            .findFirst()
            .orElse(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    return new Condition(ROUTER_READY, status, reason.name(), message, since, generation());
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
