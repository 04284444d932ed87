package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A copy of a Deployment with every quantity of its pod template written one way (the plain decimal
 * of its value), for comparison only (review P2): the API server stores quantities in its canonical
 * form (65536Mi as 64Gi, 1000m as 1), so the spec's spelling and the stored one differ as text
 * while meaning the same.
 */
final class CanonicalQuantities {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private CanonicalQuantities() {}

  static Deployment of(Deployment deployment) {
    Deployment copy = SERIALIZATION.clone(deployment);
    if (copy.getSpec() == null
        || copy.getSpec().getTemplate() == null
        || copy.getSpec().getTemplate().getSpec() == null) {
      return copy;
    }
    PodSpec pod = copy.getSpec().getTemplate().getSpec();
    for (List<Container> containers :
        List.of(orEmpty(pod.getContainers()), orEmpty(pod.getInitContainers()))) {
      for (Container container : containers) {
        ResourceRequirements resources = container.getResources();
        if (resources != null) {
          resources.setRequests(canonical(resources.getRequests()));
          resources.setLimits(canonical(resources.getLimits()));
        }
      }
    }
    for (Volume volume : orEmpty(pod.getVolumes())) {
      if (volume.getEmptyDir() != null && volume.getEmptyDir().getSizeLimit() != null) {
        volume.getEmptyDir().setSizeLimit(canonical(volume.getEmptyDir().getSizeLimit()));
      }
    }
    return copy;
  }

  private static Map<String, Quantity> canonical(Map<String, Quantity> quantities) {
    if (quantities == null) {
      return null;
    }
    Map<String, Quantity> result = new LinkedHashMap<>();
    quantities.forEach((name, value) -> result.put(name, canonical(value)));
    return result;
  }

  static Quantity canonical(Quantity quantity) {
    try {
      BigDecimal amount = quantity.getNumericalAmount();
      return new Quantity(amount.stripTrailingZeros().toPlainString());
    } catch (IllegalArgumentException e) {
      return quantity; // not a quantity: compared as written, the API server refuses it anyway
    }
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
