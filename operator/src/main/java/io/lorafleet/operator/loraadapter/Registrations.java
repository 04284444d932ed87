package io.lorafleet.operator.loraadapter;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.serving.AdminClient;
import io.lorafleet.operator.serving.AdminLanes;
import io.lorafleet.operator.serving.AdminRefusal;
import io.lorafleet.operator.serving.ServingPod;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * Which builtin serving pods have which adapter version registered (name, version URI, digest; no
 * weights): a registered adapter is loaded by the pod on its first request, so every pod of the
 * pool can serve every adapter. Calls run on the admin workers ({@link AdminLanes}) (at most 2 at a
 * time per pod), never on a reconcile thread; each finished one reconciles the adapter again.
 *
 * <p>Like the placements, this is only a cache of what the pods hold: the first time the operator
 * meets a pod incarnation (after its own restart, a new pod, a restarted container) it asks the pod
 * for its registrations ({@code GET /v1/registered_adapters}, once per incarnation) and registers
 * only what is missing or registered with another digest.
 */
@ApplicationScoped
public class Registrations {
  private static final Logger LOG = Logger.getLogger(Registrations.class);

  public enum Phase {
    REGISTERING,
    REGISTERED,
    /** The pod refused the registration (HTTP 400 with a reason): retrying will not help. */
    REFUSED,
    /** Network or server error: retried after a delay. */
    FAILED
  }

  public record Entry(
      String digest, int restarts, Phase phase, String code, String message, Instant at) {}

  /** What one pod incarnation reported as registered, served name to digest. */
  private record Known(int restarts, Map<String, String> digests) {}

  private record Key(String adapterUid, String podUid) {}

  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Entry>> byAdapter = new ConcurrentHashMap<>();
  private final AdminClient admin = new AdminClient();
  private final AdminLanes workers;
  private final Clock clock;
  private volatile SimpleInboundEventSource<LoraAdapter> events;

  public Registrations(AdminLanes workers, Clock clock) {
    this.workers = workers;
    this.clock = clock;
  }

  void bind(SimpleInboundEventSource<LoraAdapter> eventSource) {
    this.events = eventSource;
  }

  /** One registration of one adapter version on one pod. */
  record Registration(
      LoraAdapter adapter,
      ServingPod pod,
      String servedName,
      String path,
      String digest,
      String token) {}

  /**
   * The pod's entry for the adapter, starting a registration when the pod incarnation does not have
   * the current digest and none is in flight. Failures are retried after {@code retryAfter}.
   */
  Entry ensure(Registration r, Duration retryAfter) {
    Key key = new Key(r.adapter().getMetadata().getUid(), r.pod().uid());
    Instant now = clock.instant();
    Map<String, Entry> entries =
        byAdapter.computeIfAbsent(key.adapterUid(), u -> new ConcurrentHashMap<>());
    Entry entry = entries.get(key.podUid());
    boolean current =
        entry != null
            && entry.digest().equals(r.digest())
            && entry.restarts() == r.pod().restarts();
    if (current && (entry.phase() != Phase.FAILED || entry.at().plus(retryAfter).isAfter(now))) {
      return entry;
    }
    Entry registering =
        new Entry(r.digest(), r.pod().restarts(), Phase.REGISTERING, null, null, now);
    entries.put(key.podUid(), registering);
    try {
      workers.submit(key.podUid(), () -> run(key, registering, r));
    } catch (RejectedExecutionException e) {
      Entry failed = failed(registering, "admin worker queue is full");
      replace(key, registering, failed);
      return failed;
    }
    return registering;
  }

  private void run(Key key, Entry registering, Registration r) {
    Entry result;
    try {
      if (!r.digest().equals(registeredOn(r.pod(), r.token()).get(r.servedName()))) {
        admin.register(r.pod().endpoint(), r.token(), r.servedName(), r.path(), r.digest());
        known.computeIfPresent(
            r.pod().uid(),
            (uid, k) -> {
              if (k.restarts() != r.pod().restarts()) {
                return k;
              }
              Map<String, String> digests = new java.util.HashMap<>(k.digests());
              digests.put(r.servedName(), r.digest());
              return new Known(k.restarts(), Map.copyOf(digests));
            });
      }
      result =
          new Entry(
              registering.digest(),
              registering.restarts(),
              Phase.REGISTERED,
              null,
              null,
              clock.instant());
    } catch (AdminRefusal refusal) {
      result =
          new Entry(
              registering.digest(),
              registering.restarts(),
              Phase.REFUSED,
              refusal.code(),
              refusal.getMessage(),
              clock.instant());
    } catch (AdminClient.Unauthorized e) {
      result =
          new Entry(
              registering.digest(),
              registering.restarts(),
              Phase.FAILED,
              "Unauthorized",
              "pod " + r.pod().name() + ": " + e.getMessage(),
              clock.instant());
    } catch (IOException | RuntimeException e) {
      // A runtime failure too ends the registration: an entry left REGISTERING would stay so.
      result = failed(registering, "pod " + r.pod().name() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    replace(key, registering, result);
    SimpleInboundEventSource<LoraAdapter> source = events;
    if (source != null) {
      source.propagateEvent(ResourceID.fromResource(r.adapter()));
    }
  }

  /**
   * What the pod incarnation has registered: asked once per incarnation (on an admin worker), then
   * kept up to date by this operator's own calls.
   */
  private Map<String, String> registeredOn(ServingPod pod, String token)
      throws IOException, InterruptedException {
    Known k = known.get(pod.uid());
    if (k != null && k.restarts() == pod.restarts()) {
      return k.digests();
    }
    Map<String, String> digests = Map.copyOf(admin.registered(pod.endpoint(), token));
    known.put(pod.uid(), new Known(pod.restarts(), digests));
    LOG.debugf("pod %s has %d adapters registered", pod.name(), digests.size());
    return digests;
  }

  private Entry failed(Entry registering, String message) {
    return new Entry(
        registering.digest(),
        registering.restarts(),
        Phase.FAILED,
        "RegistrationFailed",
        message,
        clock.instant());
  }

  private void replace(Key key, Entry expected, Entry next) {
    Map<String, Entry> entries = byAdapter.get(key.adapterUid());
    if (entries != null) {
      entries.replace(key.podUid(), expected, next);
    }
  }

  /** Entries of one adapter by pod UID (a snapshot). */
  Map<String, Entry> of(LoraAdapter adapter) {
    return Map.copyOf(byAdapter.getOrDefault(adapter.getMetadata().getUid(), Map.of()));
  }

  /** Unregisters the adapter from a pod in the background (the pod unloads it too). */
  Future<?> release(LoraAdapter adapter, ServingPod pod, String servedName, String token) {
    return workers.call(
        pod.uid(),
        () -> admin.unregister(pod.endpoint(), token, servedName),
        () -> {
          Map<String, Entry> entries = byAdapter.get(adapter.getMetadata().getUid());
          if (entries != null) {
            entries.remove(pod.uid());
          }
          known.computeIfPresent(
              pod.uid(),
              (uid, k) -> {
                Map<String, String> digests = new java.util.HashMap<>(k.digests());
                digests.remove(servedName);
                return new Known(k.restarts(), Map.copyOf(digests));
              });
        });
  }

  /** Drops entries of pods that no longer exist. */
  void retainPods(LoraAdapter adapter, java.util.Set<String> existingPodUids) {
    Map<String, Entry> entries = byAdapter.get(adapter.getMetadata().getUid());
    if (entries != null) {
      entries.keySet().retainAll(existingPodUids);
    }
    // A cache: a pod of another pool dropped here is asked again when next met.
    known
        .keySet()
        .removeIf(
            uid ->
                !existingPodUids.contains(uid)
                    && byAdapter.values().stream().noneMatch(e -> e.containsKey(uid)));
  }

  /** Forgets the adapter's entries once it is deleted. */
  void forget(LoraAdapter adapter) {
    byAdapter.remove(adapter.getMetadata().getUid());
  }
}
