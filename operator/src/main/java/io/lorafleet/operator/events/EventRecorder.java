package io.lorafleet.operator.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/** Kubernetes Events on the resources the operator reconciles (kubectl describe shows them). */
@ApplicationScoped
public class EventRecorder {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final String COMPONENT = "lorafleet-operator";

  public enum Type {
    Normal,
    Warning
  }

  private final KubernetesClient client;

  /**
   * Event name to how often it was recorded, for the events this process wrote: a repeat is one
   * patch of count and lastTimestamp, not a new object (bounded: the oldest are forgotten, and a
   * forgotten or expired event is created again).
   */
  private final Map<String, Integer> counts =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
              return size() > 4096;
            }
          });

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Records the event, or counts it again when the same one (object, type, reason, message) was
   * recorded before: kubectl describe then shows "(x5 over 10m)" instead of five rows, and a
   * flapping condition cannot flood the namespace with Event objects.
   */
  public void record(HasMetadata resource, Type type, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String namespace = resource.getMetadata().getNamespace();
    String name = name(resource, type, reason, message);
    try {
      Integer seen = counts.get(name);
      if (seen != null && countAgain(namespace, name, seen + 1, now)) {
        return;
      }
      try {
        create(resource, name, type, reason, message, now);
        counts.put(name, 1);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // Recorded by an earlier run of the operator: count on from what is stored.
        Event stored = client.v1().events().inNamespace(namespace).withName(name).get();
        int count = stored == null || stored.getCount() == null ? 1 : stored.getCount();
        if (countAgain(namespace, name, count + 1, now)) {
          return;
        }
        create(resource, name, type, reason, message, now);
        counts.put(name, 1);
      }
    } catch (KubernetesClientException e) {
      // An event is a courtesy; failing to record one must not fail the reconcile.
      LOG.warnf(
          "could not record event %s on %s: %s",
          reason, resource.getMetadata().getName(), e.getMessage());
    }
  }

  /** False when the event no longer exists (Events expire after an hour by default). */
  private boolean countAgain(String namespace, String name, int count, String now) {
    try {
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}");
      counts.put(name, count);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        counts.remove(name);
        return false;
      }
      throw e;
    }
  }

  private void create(
      HasMetadata resource, String name, Type type, String reason, String message, String now) {
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(resource.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(resource.getApiVersion())
            .withKind(resource.getKind())
            .withName(resource.getMetadata().getName())
            .withNamespace(resource.getMetadata().getNamespace())
            .withUid(resource.getMetadata().getUid())
            .endInvolvedObject()
            .withType(type.name())
            .withReason(reason)
            .withMessage(message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .build();
    client
        .v1()
        .events()
        .inNamespace(resource.getMetadata().getNamespace())
        .resource(event)
        .create();
  }

  /** The same object, type, reason and message always give the same Event name. */
  private static String name(HasMetadata resource, Type type, String reason, String message) {
    String key = resource.getMetadata().getUid() + "/" + type + "/" + reason + "/" + message;
    return resource.getMetadata().getName()
        + "."
        + java.util.HexFormat.of()
            .formatHex(
                java.util.Arrays.copyOf(
                    sha256(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 8));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
