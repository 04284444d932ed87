package io.lorafleet.operator.loraadapter;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.operator.serving.AdminClient;
import io.lorafleet.operator.serving.AdminRefusal;
import io.lorafleet.operator.serving.PodAdapters;
import io.lorafleet.operator.serving.ResidentAdapter;
import io.lorafleet.operator.serving.ServingPod;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * What each serving pod holds of each adapter, as the pods confirmed it. Loads and unloads run on a
 * bounded worker pool, never on a reconcile thread; when one finishes, the adapter is reconciled
 * again through an inbound event source. A slot belongs to one pod incarnation (UID and restart
 * count), so a replaced or restarted pod starts empty and gets its adapters again.
 *
 * <p>This memory is only a cache of what the pods hold: before placing on a pod incarnation it has
 * not seen, the operator asks the pod ({@code GET /v1/adapters}, once per incarnation). So after an
 * operator restart or a leader change an adapter the pod already holds is recognised, not loaded
 * again, its pod keeps it, and capacity counts what the pods report.
 */
@ApplicationScoped
public class Placements implements PodAdapters {
  private static final Logger LOG = Logger.getLogger(Placements.class);

  /** Where a load stands on one pod. */
  public enum Phase {
    LOADING,
    /** The pod reported the expected digest under the served name. */
    LOADED,
    /** The pod refused the adapter (HTTP 400 with a reason): retrying will not help. */
    REFUSED,
    /** Network or server error: retried after a delay. */
    FAILED
  }

  public record Slot(
      String digest, int restarts, Phase phase, String code, String message, Instant at) {}

  /**
   * What one pod incarnation reported holding, served name to digest; null digests while the
   * request is in flight. A pod that cannot say (an error) counts as holding nothing.
   */
  private record Inventory(int restarts, Map<String, String> digests) {
    boolean known(int currentRestarts) {
      return restarts == currentRestarts && digests != null;
    }
  }

  /** Pod UID to its reported holdings; entries leave with the pod's slots. */
  private final Map<String, Inventory> inventories = new ConcurrentHashMap<>();

  /** Adapters waiting for a pod's inventory, reconciled again when it arrives. */
  private final Map<String, java.util.Set<ResourceID>> awaitingInventory =
      new ConcurrentHashMap<>();

  /** Served name of each slot's adapter on each pod: what the slot claims of the inventory. */
  private final Map<Key, String> servedNames = new ConcurrentHashMap<>();

  private record Key(String adapterUid, String podUid) {}

  /**
   * Adapter UID to pod UID to slot: a reconcile reads and prunes only its own adapter's slots, so
   * its cost does not grow with the number of other adapters in the fleet.
   */
  private final Map<String, Map<String, Slot>> byAdapter = new ConcurrentHashMap<>();

  private final AdminClient admin = new AdminClient();
  private final ThreadPoolExecutor pool =
      new ThreadPoolExecutor(
          8,
          8,
          60,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(10_000),
          Thread.ofPlatform().name("adapter-admin-", 0).daemon().factory());

  /**
   * Admin calls in flight per pod: a pod that hangs (each call waits out its 120 s timeout) holds
   * at most this many of the 8 workers, so the other pods and pools keep being served.
   */
  static final int PER_POD_IN_FLIGHT = 2;

  /** Calls waiting per pod beyond those in flight; more are refused as a full queue. */
  static final int PER_POD_WAITING = 4096;

  /** A pod's admin calls: how many run, and those waiting for one of them to finish. */
  private static final class Lane {
    int running;
    final java.util.ArrayDeque<Runnable> waiting = new java.util.ArrayDeque<>();
  }

  private final Map<String, Lane> lanes = new HashMap<>();

  private final Clock clock;
  private final MeterRegistry metrics;
  private volatile SimpleInboundEventSource<LoraAdapter> events;
  private volatile SimpleInboundEventSource<BaseModel> pools;

  /**
   * The per-pod gauge of each pod that holds a slot, by pod UID; removed with the pod's last slot,
   * so the series are bounded by the serving pods of the pools.
   */
  private final Map<String, Meter.Id> podGauges = new ConcurrentHashMap<>();

  public Placements(Clock clock, MeterRegistry metrics) {
    this.clock = clock;
    this.metrics = metrics;
    registerGauge();
  }

  /**
   * Idempotent (micrometer returns the existing gauge); called again at first use because the
   * registry a bean sees at construction may not yet be bound to the Prometheus endpoint, and with
   * a strong reference so the gauge lives exactly as long as the registry.
   */
  private void registerGauge() {
    Gauge.builder(
            "lorafleet.adapters.loaded",
            byAdapter,
            all ->
                all.values().stream()
                    .flatMap(pods -> pods.values().stream())
                    .filter(v -> v.phase() == Phase.LOADED)
                    .count())
        .description("Adapter placements confirmed by serving pods")
        .strongReference(true)
        .register(metrics);
  }

  void bind(SimpleInboundEventSource<LoraAdapter> eventSource) {
    this.events = eventSource;
  }

  @Override
  public void bindPools(SimpleInboundEventSource<BaseModel> eventSource) {
    this.pools = eventSource;
  }

  @Override
  public Map<String, Integer> slotsUsed(Collection<ServingPod> pods) {
    Map<String, Integer> restarts = new HashMap<>();
    pods.forEach(p -> restarts.put(p.uid(), p.restarts()));
    Map<String, Integer> used = new HashMap<>();
    for (Map<String, Slot> slots : byAdapter.values()) {
      slots.forEach(
          (podUid, slot) -> {
            Integer current = restarts.get(podUid);
            if (current != null
                && slot.restarts() == current
                && (slot.phase() == Phase.LOADED || slot.phase() == Phase.LOADING)) {
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
    Inventory inventory = inventories.get(podUid);
    if (inventory == null || !inventory.known(restarts)) {
      return 0;
    }
    java.util.Set<String> claimed = new java.util.HashSet<>();
    servedNames.forEach(
        (key, name) -> {
          if (key.podUid().equals(podUid)) {
            Slot slot = byAdapter.getOrDefault(key.adapterUid(), Map.of()).get(podUid);
            if (slot != null && (slot.phase() == Phase.LOADED || slot.phase() == Phase.LOADING)) {
              claimed.add(name);
            }
          }
        });
    return inventory.digests().keySet().stream().filter(n -> !claimed.contains(n)).count();
  }

  /**
   * True when what the pod incarnation holds is known. Otherwise asks the pod once ({@code GET
   * /v1/adapters} on the admin workers) and returns false; the adapter is reconciled again when the
   * answer arrives.
   */
  boolean inventoried(LoraAdapter adapter, ServingPod pod, String token) {
    Inventory inventory = inventories.get(pod.uid());
    if (inventory != null && inventory.known(pod.restarts())) {
      return true;
    }
    awaitingInventory
        .computeIfAbsent(pod.uid(), uid -> ConcurrentHashMap.newKeySet())
        .add(ResourceID.fromResource(adapter));
    boolean inFlight = inventory != null && inventory.restarts() == pod.restarts();
    if (!inFlight) {
      inventories.put(pod.uid(), new Inventory(pod.restarts(), null));
      try {
        submit(pod.uid(), () -> fetchInventory(pod, token));
      } catch (RejectedExecutionException e) {
        inventories.remove(pod.uid());
      }
    }
    return false;
  }

  private void fetchInventory(ServingPod pod, String token) {
    Map<String, String> digests = new HashMap<>();
    try {
      for (ResidentAdapter resident : admin.resident(pod.endpoint(), token)) {
        String digest = resident.digest() == null ? "" : resident.digest();
        // A version held without effect is not taken as loaded: ensure() then loads it again,
        // and the load's probe check decides (NoEffect unless the spec allows it).
        digests.put(resident.name(), resident.noEffect() ? NO_EFFECT + digest : digest);
      }
    } catch (IOException | RuntimeException e) {
      // Unknown holdings count as none: loads are idempotent, so at worst one is repeated.
      LOG.debugf("cannot list the adapters of pod %s: %s", pod.name(), e.getMessage());
      digests.clear();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    inventories.put(pod.uid(), new Inventory(pod.restarts(), Map.copyOf(digests)));
    java.util.Set<ResourceID> waiting = awaitingInventory.remove(pod.uid());
    SimpleInboundEventSource<LoraAdapter> source = events;
    if (waiting != null && source != null) {
      waiting.forEach(source::propagateEvent);
    }
  }

  /** Pods (UIDs) whose reported holdings include {@code servedName}, in any version. */
  java.util.Set<String> reportedHolders(Collection<ServingPod> pods, String servedName) {
    java.util.Set<String> holders = new java.util.HashSet<>();
    for (ServingPod pod : pods) {
      Inventory inventory = inventories.get(pod.uid());
      if (inventory != null
          && inventory.known(pod.restarts())
          && inventory.digests().containsKey(servedName)) {
        holders.add(pod.uid());
      }
    }
    return holders;
  }

  /** Adapters a pod confirmed, the value of its gauge. */
  private long loadedOn(String podUid) {
    return byAdapter.values().stream()
        .map(pods -> pods.get(podUid))
        .filter(v -> v != null && v.phase() == Phase.LOADED)
        .count();
  }

  private void registerPodGauge(LoraAdapter adapter, ServingPod pod) {
    podGauges.computeIfAbsent(
        pod.uid(),
        uid ->
            Gauge.builder("lorafleet.pod.adapters.loaded", () -> loadedOn(uid))
                .description("Adapters a serving pod confirmed as loaded")
                .tag("namespace", adapter.getMetadata().getNamespace())
                .tag("base_model", adapter.getSpec().baseModelRef().name())
                .tag("pod", pod.name())
                .strongReference(true)
                .register(metrics)
                .getId());
  }

  /** Removes the gauges of pods that no slot refers to any more. */
  private void pruneGauges() {
    java.util.Set<String> held = new java.util.HashSet<>();
    byAdapter.values().forEach(pods -> held.addAll(pods.keySet()));
    podGauges
        .entrySet()
        .removeIf(
            e -> {
              if (held.contains(e.getKey())) {
                return false;
              }
              metrics.remove(e.getValue());
              return true;
            });
  }

  private void poolChanged(LoraAdapter adapter) {
    SimpleInboundEventSource<BaseModel> source = pools;
    if (source != null) {
      source.propagateEvent(
          new ResourceID(
              adapter.getSpec().baseModelRef().name(), adapter.getMetadata().getNamespace()));
    }
  }

  /** Runs {@code task} on the workers, at most {@link #PER_POD_IN_FLIGHT} at a time per pod. */
  void submit(String podUid, Runnable task) {
    synchronized (lanes) {
      Lane lane = lanes.computeIfAbsent(podUid, uid -> new Lane());
      if (lane.running >= PER_POD_IN_FLIGHT) {
        if (lane.waiting.size() >= PER_POD_WAITING) {
          throw new RejectedExecutionException("admin queue of pod is full");
        }
        lane.waiting.add(task);
        return;
      }
      lane.running++;
      try {
        pool.execute(() -> runInLane(podUid, task));
      } catch (RejectedExecutionException e) {
        lane.running--;
        throw e;
      }
    }
  }

  private void runInLane(String podUid, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      // Not rethrown: the lane must go on. Tasks complete their own futures; this is the trace.
      LOG.warnf(e, "admin call to pod %s failed unexpectedly", podUid);
    } finally {
      synchronized (lanes) {
        Lane lane = lanes.get(podUid);
        Runnable next = lane.waiting.poll();
        if (next == null) {
          lane.running--;
          if (lane.running == 0) {
            lanes.remove(podUid);
          }
        } else {
          try {
            pool.execute(() -> runInLane(podUid, next));
          } catch (RejectedExecutionException e) {
            lane.running--;
            lane.waiting.clear(); // shutting down
          }
        }
      }
    }
  }

  /** A load of one adapter version onto one pod. */
  record Load(
      LoraAdapter adapter,
      ServingPod pod,
      String servedName,
      String path,
      String digest,
      String token,
      boolean pinned,
      boolean allowNoEffect) {}

  /** Marks an inventory digest whose load probe showed no effect. */
  private static final String NO_EFFECT = "no-effect:";

  /**
   * The pod's slot for the adapter, starting a load when the pod does not hold the current version
   * and none is in flight. Transient failures are retried once {@code retryAfter} has passed.
   */
  Slot ensure(Load load, java.time.Duration retryAfter) {
    Key key = new Key(load.adapter().getMetadata().getUid(), load.pod().uid());
    Instant now = clock.instant();
    registerGauge();
    registerPodGauge(load.adapter(), load.pod());
    Slot slot = slots(key).get(key.podUid());
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
    Inventory inventory = inventories.get(key.podUid());
    if (slot == null
        && inventory != null
        && inventory.known(load.pod().restarts())
        && load.digest().equals(inventory.digests().get(load.servedName()))) {
      // The pod already holds this version (loaded before an operator restart): no new load.
      Slot held = new Slot(load.digest(), load.pod().restarts(), Phase.LOADED, null, null, now);
      slots(key).put(key.podUid(), held);
      poolChanged(load.adapter());
      return held;
    }
    Slot loading = new Slot(load.digest(), load.pod().restarts(), Phase.LOADING, null, null, now);
    slots(key).put(key.podUid(), loading);
    try {
      submit(key.podUid(), () -> run(key, loading, load));
    } catch (RejectedExecutionException e) {
      Slot failed = failed(loading, "LoadFailed", "admin worker queue is full");
      replace(key, loading, failed);
      return failed;
    }
    return loading;
  }

  private void run(Key key, Slot loading, Load load) {
    Timer.Sample sample = Timer.start(metrics);
    Slot result;
    try {
      admin.load(
          load.pod().endpoint(), load.token(), load.servedName(), load.path(), load.pinned());
      Optional<ResidentAdapter> resident =
          admin.resident(load.pod().endpoint(), load.token(), load.servedName());
      Optional<ResidentAdapter> held = resident.filter(r -> load.digest().equals(r.digest()));
      result =
          held.isPresent() && held.get().noEffect() && !load.allowNoEffect()
              ? new Slot(
                  loading.digest(),
                  loading.restarts(),
                  Phase.REFUSED,
                  LoraAdapterReason.NoEffect.name(),
                  "pod "
                      + load.pod().name()
                      + ": the adapter's output equals the base model's (load probe max logit"
                      + " difference "
                      + held.get().maxLogitDiff()
                      + "); a freshly initialised adapter (all lora_B zero) does this. Set"
                      + " spec.validation.allowNoEffect to serve it anyway",
                  clock.instant())
              : held.isPresent()
                  ? new Slot(
                      loading.digest(),
                      loading.restarts(),
                      Phase.LOADED,
                      null,
                      null,
                      clock.instant())
                  : failed(
                      loading,
                      "NotResident",
                      "pod "
                          + load.pod().name()
                          + " accepted the load but does not report digest "
                          + load.digest());
    } catch (AdminClient.Unauthorized e) {
      result = failed(loading, "Unauthorized", "pod " + load.pod().name() + ": " + e.getMessage());
    } catch (AdminRefusal refusal) {
      result =
          new Slot(
              loading.digest(),
              loading.restarts(),
              Phase.REFUSED,
              refusal.code(),
              refusal.getMessage(),
              clock.instant());
    } catch (IOException | RuntimeException e) {
      // A runtime failure too ends the load: a slot left LOADING would never be tried again.
      result = failed(loading, "LoadFailed", "pod " + load.pod().name() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    sample.stop(
        Timer.builder("lorafleet.adapter.load")
            .description("Load and verification of an adapter on a serving pod")
            .tag("outcome", result.phase().name().toLowerCase(java.util.Locale.ROOT))
            .register(metrics));
    // A newer request for the same pod may have replaced this one meanwhile; it wins.
    replace(key, loading, result);
    SimpleInboundEventSource<LoraAdapter> source = events;
    if (source != null) {
      source.propagateEvent(ResourceID.fromResource(load.adapter()));
    }
    poolChanged(load.adapter());
  }

  private Slot failed(Slot loading, String code, String message) {
    return new Slot(
        loading.digest(), loading.restarts(), Phase.FAILED, code, message, clock.instant());
  }

  private Map<String, Slot> slots(Key key) {
    return byAdapter.computeIfAbsent(key.adapterUid(), uid -> new ConcurrentHashMap<>());
  }

  /** Only if the adapter is still known: a load finishing after forget() must not revive it. */
  private void replace(Key key, Slot expected, Slot next) {
    Map<String, Slot> slots = byAdapter.get(key.adapterUid());
    if (slots != null) {
      slots.replace(key.podUid(), expected, next);
    }
  }

  /** Slots of one adapter by pod UID (a snapshot). */
  Map<String, Slot> of(LoraAdapter adapter) {
    return Map.copyOf(byAdapter.getOrDefault(adapter.getMetadata().getUid(), Map.of()));
  }

  /**
   * Adapters held or being loaded on a pod, for choosing pods when an adapter asks for N of them
   * (not needed, and not computed, for placement on all pods).
   */
  long adaptersOn(ServingPod pod) {
    return byAdapter.values().stream()
            .map(pods -> pods.get(pod.uid()))
            .filter(v -> v != null && (v.phase() == Phase.LOADED || v.phase() == Phase.LOADING))
            .count()
        + unclaimedOn(pod.uid(), pod.restarts());
  }

  /** Unloads the adapter from a pod in the background and forgets the slot when done. */
  Future<?> release(LoraAdapter adapter, ServingPod pod, String servedName, String token) {
    Key key = new Key(adapter.getMetadata().getUid(), pod.uid());
    return call(
        pod.uid(),
        () -> admin.unload(pod.endpoint(), token, servedName),
        () -> {
          Map<String, Slot> slots = byAdapter.get(key.adapterUid());
          if (slots != null) {
            slots.remove(key.podUid());
          }
          servedNames.remove(key);
          inventories.computeIfPresent(
              pod.uid(),
              (uid, inventory) -> {
                if (inventory.digests() == null) {
                  return inventory;
                }
                Map<String, String> left = new HashMap<>(inventory.digests());
                left.remove(servedName);
                return new Inventory(inventory.restarts(), Map.copyOf(left));
              });
          pruneGauges();
          poolChanged(adapter);
        });
  }

  /** One admin request to a pod (an unload, an unregistration). */
  @FunctionalInterface
  interface AdminCall {
    void run() throws IOException, InterruptedException;
  }

  /**
   * Runs {@code request} in the pod's lane, then {@code afterwards} if the pod accepted it. The
   * future completes on every outcome (a cleanup must never wait for a lost answer): with the
   * request's failure, or normally once the pod accepted it, whatever {@code afterwards} does.
   */
  java.util.concurrent.CompletableFuture<Void> call(
      String podUid, AdminCall request, Runnable afterwards) {
    java.util.concurrent.CompletableFuture<Void> done =
        new java.util.concurrent.CompletableFuture<>();
    try {
      submit(
          podUid,
          () -> {
            try {
              request.run();
            } catch (IOException | RuntimeException e) {
              done.completeExceptionally(e);
              return;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              done.completeExceptionally(e);
              return;
            }
            try {
              afterwards.run();
            } finally {
              done.complete(null);
            }
          });
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  /**
   * Drops slots of pods that no longer exist. A pod that is only not ready (a readiness flap under
   * load) keeps its slots: it still holds its adapters when it is ready again.
   */
  void retainPods(LoraAdapter adapter, java.util.Set<String> existingPodUids) {
    Map<String, Slot> slots = byAdapter.get(adapter.getMetadata().getUid());
    if (slots != null && slots.keySet().retainAll(existingPodUids)) {
      servedNames
          .keySet()
          .removeIf(
              k ->
                  k.adapterUid().equals(adapter.getMetadata().getUid())
                      && !existingPodUids.contains(k.podUid()));
      inventories.keySet().retainAll(podsWithSlotsOr(existingPodUids));
      pruneGauges();
    }
  }

  private java.util.Set<String> podsWithSlotsOr(java.util.Set<String> existing) {
    java.util.Set<String> keep = new java.util.HashSet<>(existing);
    byAdapter.values().forEach(pods -> keep.addAll(pods.keySet()));
    return keep;
  }

  void forget(LoraAdapter adapter) {
    byAdapter.remove(adapter.getMetadata().getUid());
    servedNames.keySet().removeIf(k -> k.adapterUid().equals(adapter.getMetadata().getUid()));
    pruneGauges();
  }

  void onShutdown(@Observes ShutdownEvent event) {
    pool.shutdownNow();
    LOG.debug("adapter admin pool stopped");
  }
}
