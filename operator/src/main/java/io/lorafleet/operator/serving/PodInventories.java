package io.lorafleet.operator.serving;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * What each serving pod incarnation reported holding ({@code GET /v1/adapters}, asked once per
 * incarnation), so that after an operator restart or a leader change an adapter a pod already holds
 * is recognised instead of loaded again, and capacity counts what the pods report.
 */
final class PodInventories {
  private static final Logger LOG = Logger.getLogger(PodInventories.class);

  /** Marks an inventory digest whose load probe showed no effect. */
  private static final String NO_EFFECT = "no-effect:";

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
  private final Map<String, Set<ResourceID>> awaiting = new ConcurrentHashMap<>();

  private final AdminClient admin;
  private final AdminLanes lanes;
  private volatile SimpleInboundEventSource<LoraAdapter> events;

  PodInventories(AdminClient admin, AdminLanes lanes) {
    this.admin = admin;
    this.lanes = lanes;
  }

  void bind(SimpleInboundEventSource<LoraAdapter> eventSource) {
    this.events = eventSource;
  }

  /**
   * True when what the pod incarnation holds is known. Otherwise asks the pod once (on the admin
   * workers) and returns false; {@code adapter} is reconciled again when the answer arrives.
   */
  boolean known(ResourceID adapter, ServingPod pod, String token) {
    Inventory inventory = inventories.get(pod.uid());
    if (inventory != null && inventory.known(pod.restarts())) {
      return true;
    }
    awaiting.computeIfAbsent(pod.uid(), uid -> ConcurrentHashMap.newKeySet()).add(adapter);
    boolean inFlight = inventory != null && inventory.restarts() == pod.restarts();
    if (!inFlight) {
      inventories.put(pod.uid(), new Inventory(pod.restarts(), null));
      try {
        lanes.submit(pod.uid(), () -> fetch(pod, token));
      } catch (RejectedExecutionException e) {
        inventories.remove(pod.uid());
      }
    }
    return false;
  }

  private void fetch(ServingPod pod, String token) {
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
    Set<ResourceID> waiting = awaiting.remove(pod.uid());
    SimpleInboundEventSource<LoraAdapter> source = events;
    if (waiting != null && source != null) {
      waiting.forEach(source::propagateEvent);
    }
  }

  /** True when the pod incarnation reported holding exactly this version under this name. */
  boolean holds(ServingPod pod, String servedName, String digest) {
    Inventory inventory = inventories.get(pod.uid());
    return inventory != null
        && inventory.known(pod.restarts())
        && digest.equals(inventory.digests().get(servedName));
  }

  /** Served names the pod incarnation reported holding; none while that is not known. */
  Set<String> namesOn(String podUid, int restarts) {
    Inventory inventory = inventories.get(podUid);
    return inventory == null || !inventory.known(restarts)
        ? Set.of()
        : inventory.digests().keySet();
  }

  /** Pods (UIDs) whose reported holdings include {@code servedName}, in any version. */
  Set<String> holders(Collection<ServingPod> pods, String servedName) {
    Set<String> holders = new HashSet<>();
    for (ServingPod pod : pods) {
      if (namesOn(pod.uid(), pod.restarts()).contains(servedName)) {
        holders.add(pod.uid());
      }
    }
    return holders;
  }

  /** The pod unloaded {@code servedName}: it no longer holds it, in any version. */
  void unloaded(String podUid, String servedName) {
    inventories.computeIfPresent(
        podUid,
        (uid, inventory) -> {
          if (inventory.digests() == null) {
            return inventory;
          }
          Map<String, String> left = new HashMap<>(inventory.digests());
          left.remove(servedName);
          return new Inventory(inventory.restarts(), Map.copyOf(left));
        });
  }

  /** Forgets the pods not in {@code podUids} (a cache: such a pod is asked again if met). */
  void retain(Set<String> podUids) {
    inventories.keySet().retainAll(podUids);
  }
}
