package io.lorafleet.operator.events;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
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

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void record(HasMetadata resource, Type type, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                resource.getMetadata().getName()
                    + "."
                    + UUID.randomUUID().toString().substring(0, 13))
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
    try {
      client
          .v1()
          .events()
          .inNamespace(resource.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (KubernetesClientException e) {
      // An event is a courtesy; failing to record one must not fail the reconcile.
      LOG.warnf(
          "could not record event %s on %s: %s",
          reason, resource.getMetadata().getName(), e.getMessage());
    }
  }
}
