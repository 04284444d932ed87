package io.lorafleet.operator.serving;

import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import java.util.Collection;
import java.util.Map;

/**
 * What the operator's placement registry knows of each serving pod, read by the BaseModel
 * reconciler for {@code status.capacity}. An interface here so that the basemodel package does not
 * depend on the loraadapter package (which depends on it).
 */
public interface PodAdapters {

  /**
   * Adapter slots taken on each of these pod incarnations (loaded, or a load in flight), by pod
   * UID; a pod the registry knows nothing of has none. One pass over the registry.
   */
  Map<String, Integer> slotsUsed(Collection<ServingPod> pods);

  /**
   * Where to report that a load or unload on a pool's pod finished: that BaseModel is reconciled.
   */
  void bindPools(SimpleInboundEventSource<BaseModel> pools);
}
