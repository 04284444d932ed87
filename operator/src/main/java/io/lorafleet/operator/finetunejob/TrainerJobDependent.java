package io.lorafleet.operator.finetunejob;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The trainer Job; only suspend changes after creation (the FineTuneJob spec is immutable). */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = BaseModelResources.MANAGED_SELECTOR))
public class TrainerJobDependent extends CRUDKubernetesDependentResource<Job, FineTuneJob> {
  private final OperatorConfig config;

  public TrainerJobDependent(OperatorConfig config) {
    super(Job.class);
    this.config = config;
  }

  @Override
  protected Job desired(FineTuneJob job, Context<FineTuneJob> context) {
    return TrainerWorkload.job(job, TrainerConfigMapDependent.baseModel(context), config);
  }
}
