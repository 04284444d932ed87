package io.lorafleet.operator.finetunejob;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.operator.basemodel.BaseModelResources;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The trainer's config. Created once and never updated: a retried or resumed pod must read what the
 * run started with, even if the BaseModel's digest changes meanwhile.
 */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = BaseModelResources.MANAGED_SELECTOR))
public class TrainerConfigMapDependent extends KubernetesDependentResource<ConfigMap, FineTuneJob>
    implements Creator<ConfigMap, FineTuneJob> {

  public TrainerConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(FineTuneJob job, Context<FineTuneJob> context) {
    return TrainerWorkload.configMap(job, baseModel(context));
  }

  static BaseModel baseModel(Context<FineTuneJob> context) {
    return context
        .getSecondaryResource(BaseModel.class)
        .orElseThrow(() -> new IllegalStateException("the BaseModel gate runs before dependents"));
  }
}
