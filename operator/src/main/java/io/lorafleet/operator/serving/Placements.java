package io.lorafleet.operator.serving;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.operator.serving.PlacementSlot.Phase;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * What each serving pod holds of each adapter, as the pods confirmed it (the placement registry,
 * docs/decisions/0003). Loads and unloads run on the {@link AdminLanes}, never on a reconcile
 * thread; when one finishes, the adapter and its pool are reconciled again through inbound event
 * sources. A slot belongs to one pod incarnation (UID and restart count), so a replaced or
 * restarted pod starts empty and gets its adapters again.
 *
 * <p>This memory is only a cache of what the pods hold: before placing on a pod incarnation it has
 * not seen, the operator asks the pod ({@link PodInventories}). So after an operator restart or a
 * leader change an adapter the pod already holds is recognised, not loaded again, its pod keeps it,
 * and capacity counts what the pods report.
 */
@ApplicationScoped
public class Placements {

  private record Key(String adapterUid, String podUid) {}

  /**
   * Adapter UID to pod UID to slot: a reconcile reads and prunes only its own adapter's slots, so
   * its cost does not grow with the number of other adapters in the fleet.
   */
  private final Map<String, Map<String, PlacementSlot>> byAdapter = new ConcurrentHashMap<>();

  /** Served name of each slot's adapter on each pod: what the slot claims of the inventory. */
  private final Map<Key, String> servedNames = new ConcurrentHashMap<>();

  private final AdminClient admin = new AdminClient();
  private final AdminLanes lanes;
  private final PodInventories inventories;
  private final AdapterLoader loader;
  private final PlacementGauges gauges;
  private final Clock clock;
  private volatile SimpleInboundEventSource<LoraAdapter> events;
  private volatile SimpleInboundEventSource<BaseModel> pools;

  public Placements(AdminLanes lanes, Clock clock, MeterRegistry metrics) {
    this.lanes = lanes;
    this.clock = clock;
    this.inventories = new PodInventories(admin, lanes);
    this.loader = new AdapterLoader(admin, clock, metrics);
    this.gauges = new PlacementGauges(metrics, this::loadedTotal, this::loadedOn);
  }

  /** Where to report that a load on a pod finished, or a pod's inventory arrived. */
  public void bind(SimpleInboundEventSource<LoraAdapter> eventSource) {
    this.events = eventSource;
    inventories.bind(eventSource);
  }

  /**
   * Where to report that a load or unload on a pool's pod finished: that BaseModel is reconciled.
   */
  public void bindPools(SimpleInboundEventSource<BaseModel> eventSource) {
    this.pools = eventSource;
  }

  /**
   * Adapter slots taken on each of these pod incarnations (loaded, or a load in flight), by pod
   * UID; a pod the registry knows nothing of has none. One pass over the registry.
   */
  public Map<String, Integer> slotsUsed(Collection<ServingPod> pods) {
    Map<String, Integer> restarts = new HashMap<>();
    pods.forEach(p -> restarts.put(p.uid(), p.restarts()));
    Map<String, Integer> used = new HashMap<>();
    for (Map<String, PlacementSlot> slots : byAdapter.values()) {
      slots.forEach(
          (podUid, slot) -> {
            Integer current = restarts.get(podUid);
            if (current != null && slot.restarts() == current && slot.takesASlot()) {
              used.merge(podUid, 1, Integer::sum);
            }
          });
    }
    restarts.forEach(
        (podUid, current) -> {
          long unclaimed = unclaimedOn(podUid, current);
          if (unclaimed > 0) {
            used.merge(podUid, (int) unclaimed, Integer::sum);
          }
        });
    return used;
  }

  /**
   * Adapters a pod reported holding that no slot here accounts for (loaded before an operator
   * restart and not yet reconciled, or held for an adapter this operator no longer places there).
   */
  private long unclaimedOn(String podUid, int restarts) {
    Set<String> reported = inventories.namesOn(podUid, restarts);
    if (reported.isEmpty()) {
      return 0;
    }
    Set<String> claimed = new HashSet<>();
    servedNames.forEach(
        (key, name) -> {
          if (key.podUid().equals(podUid)) {
            PlacementSlot slot = byAdapter.getOrDefault(key.adapterUid(), Map.of()).get(podUid);
            if (slot != null && slot.takesASlot()) {
              claimed.add(name);
            }
          }
        });
    return reported.stream().filter(n -> !claimed.contains(n)).count();
  }

  /**
   * True when what the pod incarnation holds is known. Otherwise asks the pod once and returns
   * false; the adapter is reconciled again when the answer arrives.
   */
  public boolean inventoried(LoraAdapter adapter, ServingPod pod, String token) {
    return inventories.known(ResourceID.fromResource(adapter), pod, token);
  }

  /** Pods (UIDs) whose reported holdings include {@code servedName}, in any version. */
  public Set<String> reportedHolders(Collection<ServingPod> pods, String servedName) {
    return inventories.holders(pods, servedName);
  }

  /** Adapters confirmed on all pods, the value of the total gauge. */
  private long loadedTotal() {
    return byAdapter.values().stream()
        .flatMap(pods -> pods.values().stream())
        .filter(v -> v.phase() == Phase.LOADED)
        .count();
  }

  /** Adapters a pod confirmed, the value of its gauge. */
  private long loadedOn(String podUid) {
    return byAdapter.values().stream()
        .map(pods -> pods.get(podUid))
        .filter(v -> v != null && v.phase() == Phase.LOADED)
        .count();
  }

  private void pruneGauges() {
    Set<String> held = new HashSet<>();
    byAdapter.values().forEach(pods -> held.addAll(pods.keySet()));
    gauges.retainPods(held);
  }

  private void poolChanged(LoraAdapter adapter) {
    SimpleInboundEventSource<BaseModel> source = pools;
    if (source != null) {
      source.propagateEvent(
          new ResourceID(
              adapter.getSpec().baseModelRef().name(), adapter.getMetadata().getNamespace()));
    }
  }

  /**
   * The pod's slot for the adapter, starting a load when the pod does not hold the current version
   * and none is in flight. Transient failures are retried once {@code retryAfter} has passed.
   */
  public PlacementSlot ensure(AdapterLoad load, Duration retryAfter) {
    Key key = new Key(load.adapter().getMetadata().getUid(), load.pod().uid());
    Instant now = clock.instant();
    gauges.registerTotal();
    gauges.registerPod(load.adapter(), load.pod());
    PlacementSlot slot = slots(key).get(key.podUid());
    boolean current =
        slot != null
            && slot.digest().equals(load.digest())
            && slot.restarts() == load.pod().restarts()
            // A NoEffect refusal is the spec's verdict, not the pod's: allowed now, load again.
            && !(load.allowNoEffect()
                && slot.phase() == Phase.REFUSED
                && LoraAdapterReason.NoEffect.name().equals(slot.code()));
    if (current && (slot.phase() != Phase.FAILED || slot.at().plus(retryAfter).isAfter(now))) {
      return slot;
    }
    servedNames.put(key, load.servedName());
    if (slot == null && inventories.holds(load.pod(), load.servedName(), load.digest())) {
      // The pod already holds this version (loaded before an operator restart): no new load.
      PlacementSlot held =
          new PlacementSlot(load.digest(), load.pod().restarts(), Phase.LOADED, null, null, now);
      slots(key).put(key.podUid(), held);
      poolChanged(load.adapter());
      return held;
    }
    PlacementSlot loading =
        new PlacementSlot(load.digest(), load.pod().restarts(), Phase.LOADING, null, null, now);
    slots(key).put(key.podUid(), loading);
    try {
      lanes.submit(key.podUid(), () -> run(key, loading, load));
    } catch (RejectedExecutionException e) {
      PlacementSlot failed = loader.failed(loading, "LoadFailed", "admin worker queue is full");
      replace(key, loading, failed);
      return failed;
    }
    return loading;
  }

  private void run(Key key, PlacementSlot loading, AdapterLoad load) {
    loader
        .load(load, loading)
        .ifPresent(
            result -> {
              // A newer request for the same pod may have replaced this one meanwhile; it wins.
              replace(key, loading, result);
              SimpleInboundEventSource<LoraAdapter> source = events;
              if (source != null) {
                source.propagateEvent(ResourceID.fromResource(load.adapter()));
              }
              poolChanged(load.adapter());
            });
  }

  private Map<String, PlacementSlot> slots(Key key) {
    return byAdapter.computeIfAbsent(key.adapterUid(), uid -> new ConcurrentHashMap<>());
  }

  /** Only if the adapter is still known: a load finishing after forget() must not revive it. */
  private void replace(Key key, PlacementSlot expected, PlacementSlot next) {
    Map<String, PlacementSlot> slots = byAdapter.get(key.adapterUid());
    if (slots != null) {
      slots.replace(key.podUid(), expected, next);
    }
  }

  /** Slots of one adapter by pod UID (a snapshot). */
  public Map<String, PlacementSlot> of(LoraAdapter adapter) {
    return Map.copyOf(byAdapter.getOrDefault(adapter.getMetadata().getUid(), Map.of()));
  }

  /**
   * Adapters held or being loaded on a pod, for choosing pods when an adapter asks for N of them
   * (not needed, and not computed, for placement on all pods).
   */
  public long adaptersOn(ServingPod pod) {
    return byAdapter.values().stream()
            .map(pods -> pods.get(pod.uid()))
            .filter(v -> v != null && v.takesASlot())
            .count()
        + unclaimedOn(pod.uid(), pod.restarts());
  }

  /** Unloads the adapter from a pod in the background and forgets the slot when done. */
  public Future<?> release(LoraAdapter adapter, ServingPod pod, String servedName, String token) {
    Key key = new Key(adapter.getMetadata().getUid(), pod.uid());
    return lanes.call(
        pod.uid(),
        () -> admin.unload(pod.endpoint(), token, servedName),
        () -> {
          Map<String, PlacementSlot> slots = byAdapter.get(key.adapterUid());
          if (slots != null) {
            slots.remove(key.podUid());
          }
          servedNames.remove(key);
          inventories.unloaded(pod.uid(), servedName);
          pruneGauges();
          poolChanged(adapter);
        });
  }

  /**
   * Drops slots of pods that no longer exist. A pod that is only not ready (a readiness flap under
   * load) keeps its slots: it still holds its adapters when it is ready again.
   */
  public void retainPods(LoraAdapter adapter, Set<String> existingPodUids) {
    Map<String, PlacementSlot> slots = byAdapter.get(adapter.getMetadata().getUid());
    if (slots != null && slots.keySet().retainAll(existingPodUids)) {
      servedNames
          .keySet()
          .removeIf(
              k ->
                  k.adapterUid().equals(adapter.getMetadata().getUid())
                      && !existingPodUids.contains(k.podUid()));
      inventories.retain(podsWithSlotsOr(existingPodUids));
      pruneGauges();
    }
  }

  private Set<String> podsWithSlotsOr(Set<String> existing) {
    Set<String> keep = new HashSet<>(existing);
    byAdapter.values().forEach(pods -> keep.addAll(pods.keySet()));
    return keep;
  }

  /** Forgets the adapter's slots once it is deleted. */
  public void forget(LoraAdapter adapter) {
    byAdapter.remove(adapter.getMetadata().getUid());
    servedNames.keySet().removeIf(k -> k.adapterUid().equals(adapter.getMetadata().getUid()));
    pruneGauges();
  }
}
