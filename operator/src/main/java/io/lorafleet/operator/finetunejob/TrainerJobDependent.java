package io.lorafleet.operator.finetunejob;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The trainer Job. It is created once from {@link TrainerWorkload#job}; after that only {@code
 * spec.suspend} follows the FineTuneJob (whose spec is otherwise immutable), by a JSON merge patch
 * of that one field. The default update (a PUT of the whole desired spec) is refused with 422 by a
 * real API server: the desired spec lacks the selector and template labels the server generated at
 * creation, and the template is immutable. Other differences (the server's canonical form of
 * quantities, a changed credentials Secret, a newer operator's template) are left alone: the
 * running Job keeps the template it started with.
 */
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

  /** Only suspend is compared: nothing else of a created trainer Job is ever changed. */
  @Override
  public Matcher.Result<Job> match(
      Job actual, Job desired, FineTuneJob primary, Context<FineTuneJob> context) {
    return Matcher.Result.computed(suspended(actual) == suspended(desired), desired);
  }

  @Override
  public Job update(Job actual, Job desired, FineTuneJob primary, Context<FineTuneJob> context) {
    return context
        .getClient()
        .batch()
        .v1()
        .jobs()
        .inNamespace(actual.getMetadata().getNamespace())
        .withName(actual.getMetadata().getName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"suspend\":" + suspended(desired) + "}}");
  }

  private static boolean suspended(Job job) {
    return job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().getSuspend());
  }
}
