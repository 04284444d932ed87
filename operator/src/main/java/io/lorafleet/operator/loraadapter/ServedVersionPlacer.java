package io.lorafleet.operator.loraadapter;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.loraadapter.AdapterPlacement;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatus;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatusAggregator;
import io.lorafleet.api.v1alpha1.loraadapter.ResidentCopy;
import io.lorafleet.operator.serving.AdapterLoad;
import io.lorafleet.operator.serving.PlacementSlot;
import io.lorafleet.operator.serving.Placements;
import io.lorafleet.operator.serving.PodStates;
import io.lorafleet.operator.serving.ServingPod;
import io.lorafleet.operator.storage.ResolvedAdapter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Puts one adapter version under one pod-level name on the pool's pods: loads on the chosen pods
 * (warm copies), registrations on every ready builtin pod, releases where placement no longer wants
 * it. Used for the served name (Immediate, and the stable version of a canary) and for the canary's
 * {@code <servedName>@canary} on the same pods.
 */
@ApplicationScoped
public class ServedVersionPlacer {
  static final Duration RETRY_LOAD_AFTER = Duration.ofSeconds(5);

  private final PoolPods pools;
  private final Placements placements;
  private final Registrations registrations;
  private final PodStates podStates;

  public ServedVersionPlacer(
      PoolPods pools, Placements placements, Registrations registrations, PodStates podStates) {
    this.pools = pools;
    this.placements = placements;
    this.registrations = registrations;
    this.podStates = podStates;
  }

  /**
   * One version under one name. {@code identity} keys the operator's memory of what the pods hold
   * (the adapter, or its canary twin); {@code pods} null lets placement choose, otherwise exactly
   * these pods hold it (the canary goes where stable is).
   */
  record Target(
      LoraAdapter identity,
      BaseModel base,
      ResolvedAdapter artifact,
      String name,
      boolean allowNoEffect,
      List<ServingPod> pods) {}

  /**
   * Where the version stands. {@code inventoried} false: a pod's holdings are being asked for, its
   * answer reconciles again and nothing else was done.
   */
  record Outcome(
      boolean inventoried,
      List<ServingPod> ready,
      List<ServingPod> chosen,
      List<AdapterPlacement> loaded,
      int desired,
      Integer registered,
      boolean retryLater,
      Set<String> existing,
      List<String> refusals) {

    /** Loaded on every chosen pod and, on builtin pools, registered on every ready pod. */
    boolean complete() {
      return inventoried
          && loaded.size() >= chosen.size()
          && (registered == null || registered >= ready.size());
    }
  }

  Outcome place(Target target, LoraAdapterStatusAggregator aggregator) {
    LoraAdapter adapter = target.identity();
    BaseModel base = target.base();
    boolean builtin = base.getSpec().serving().runtime() != ServingRuntime.VLLM;
    List<ServingPod> ready = pools.ready(base);
    Set<String> existing = pools.existingUids(base);
    placements.retainPods(adapter, existing);
    registrations.retainPods(adapter, existing);
    String token = pools.token(base);
    boolean known = true;
    for (ServingPod pod : ready) {
      known &= placements.inventoried(adapter, pod, token);
    }
    if (!known) {
      // What a pod holds is asked once per pod incarnation; its answer reconciles this again.
      return new Outcome(false, ready, List.of(), List.of(), 0, null, false, existing, List.of());
    }
    Map<String, PlacementSlot> slots = placements.of(adapter);
    Set<String> holders = new HashSet<>(slots.keySet());
    holders.addAll(placements.reportedHolders(ready, target.name()));
    List<ServingPod> chosen =
        target.pods() != null
            ? target.pods()
            : PlacementPlanner.choose(
                ready, adapter.getSpec().placement(), holders, placements::adaptersOn);
    List<AdapterPlacement> loaded = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    boolean retryLater = false;
    for (ServingPod pod : chosen) {
      PlacementSlot slot =
          placements.ensure(
              new AdapterLoad(
                  adapter,
                  pod,
                  target.name(),
                  target.artifact().version().toString(),
                  target.artifact().digest(),
                  token,
                  builtin,
                  target.allowNoEffect()),
              RETRY_LOAD_AFTER);
      switch (slot.phase()) {
        case LOADED ->
            loaded.add(new AdapterPlacement(pod.name(), slot.digest(), slot.at().toString()));
        case REFUSED -> refusals.add(refused(slot.code(), slot.message(), aggregator));
        case FAILED -> {
          failed(base, slot.code(), slot.message(), aggregator);
          retryLater = true;
        }
        case LOADING -> {}
      }
    }
    Integer registered = null;
    if (builtin) {
      registered = 0;
      for (ServingPod pod : ready) {
        Registrations.Entry entry =
            registrations.ensure(
                new Registrations.Registration(
                    adapter,
                    pod,
                    target.name(),
                    target.artifact().version().toString(),
                    target.artifact().digest(),
                    token),
                RETRY_LOAD_AFTER);
        switch (entry.phase()) {
          case REGISTERED -> registered++;
          case REFUSED -> refusals.add(refused(entry.code(), entry.message(), aggregator));
          case FAILED -> {
            failed(base, entry.code(), entry.message(), aggregator);
            retryLater = true;
          }
          case REGISTERING -> {}
        }
      }
    }
    Set<String> chosenUids = chosen.stream().map(ServingPod::uid).collect(Collectors.toSet());
    // On a builtin pool a copy the operator did not place is a demand copy (loaded by a request):
    // the pod's LRU retires it, and unloading it here could cut the requests using it.
    Set<String> releasable = builtin ? slots.keySet() : holders;
    for (ServingPod pod : ready) {
      if (releasable.contains(pod.uid()) && !chosenUids.contains(pod.uid())) {
        placements.release(adapter, pod, target.name(), token);
      }
    }
    loaded.sort(Comparator.comparing(AdapterPlacement::pod));
    int desired =
        target.pods() != null
            ? chosen.size()
            : PlacementPlanner.desired(adapter.getSpec().placement(), ready.size());
    return new Outcome(
        true, ready, chosen, loaded, desired, registered, retryLater, existing, refusals);
  }

  /** A pod refused a load or registration for a typed reason: the adapter is blocked by it. */
  private static String refused(
      String code, String message, LoraAdapterStatusAggregator aggregator) {
    aggregator.blockedBy(LoraAdapterReasons.ofServerCode(code), message);
    return code + ": " + message;
  }

  /** A load or registration failed: it is tried again, with a fresh token if it was refused. */
  private void failed(
      BaseModel base, String code, String message, LoraAdapterStatusAggregator aggregator) {
    if ("Unauthorized".equals(code)) {
      pools.forgetToken(base); // the Secret changed: the retry reads the new token
    }
    aggregator.retrying(LoraAdapterReason.LoadFailed, message);
  }

  /**
   * The observed status of the served name's placement, the aggregator told the counts; on builtin
   * pools with where the pods report the version resident.
   */
  LoraAdapterStatus observe(
      Target target, Outcome outcome, LoraAdapterStatusAggregator aggregator) {
    aggregator.resolved(true).replicas(outcome.desired(), outcome.loaded().size());
    LoraAdapterStatus observed =
        LoraAdapterObservation.of(
            target.artifact(),
            target.name(),
            outcome.desired(),
            outcome.loaded(),
            outcome.registered());
    if (outcome.registered() != null) {
      aggregator.registered(outcome.ready().size(), outcome.registered());
      Set<String> warm = outcome.chosen().stream().map(ServingPod::uid).collect(Collectors.toSet());
      observed = observed.withResidency(residency(target, outcome, warm));
    }
    return observed;
  }

  /**
   * Where the pods themselves report the version (their state reports, followed here): warm on the
   * pods placement chose, demand copies elsewhere.
   */
  private List<ResidentCopy> residency(Target target, Outcome outcome, Set<String> warm) {
    String namespace = target.base().getMetadata().getNamespace();
    String baseName = target.base().getMetadata().getName();
    podStates.retain(namespace, baseName, outcome.existing());
    List<ResidentCopy> copies = new ArrayList<>();
    for (ServingPod pod : outcome.ready()) {
      podStates.follow(namespace, baseName, pod, () -> pools.token(target.base()));
      podStates
          .copy(pod, target.name())
          .filter(copy -> sameVersion(copy.digest(), target.artifact().digest()))
          .ifPresent(
              copy ->
                  copies.add(
                      new ResidentCopy(
                          pod.name(),
                          warm.contains(pod.uid())
                              ? ResidentCopy.CopyKind.Warm
                              : ResidentCopy.CopyKind.Demand)));
    }
    return copies;
  }

  private static boolean sameVersion(String reported, String resolved) {
    return resolved != null && hex(resolved).equals(hex(reported));
  }

  private static String hex(String digest) {
    return digest.startsWith("sha256:") ? digest.substring("sha256:".length()) : digest;
  }

  /**
   * Unloads and unregisters {@code name} of {@code identity} on every ready pod (as the placement
   * in the same reconcile listed them) that this operator placed it on or that reports holding it;
   * true when none holds it any more as far as known.
   */
  boolean releaseEverywhere(
      LoraAdapter identity, BaseModel base, String name, List<ServingPod> ready) {
    Set<String> holders = new HashSet<>(placements.of(identity).keySet());
    holders.addAll(registrations.of(identity).keySet());
    holders.addAll(placements.reportedHolders(ready, name));
    if (holders.isEmpty()) {
      return true;
    }
    String token = pools.token(base);
    boolean builtin = base.getSpec().serving().runtime() != ServingRuntime.VLLM;
    for (ServingPod pod : ready) {
      if (holders.contains(pod.uid())) {
        placements.release(identity, pod, name, token);
        if (builtin) {
          registrations.release(identity, pod, name, token);
        }
      }
    }
    return false;
  }
}
