package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.GenericKubernetesResourceMatcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The serving pool's Deployment. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = BaseModelResources.SERVING_SELECTOR))
public class ServingDeploymentDependent
    extends CRUDKubernetesDependentResource<Deployment, BaseModel> {
  private final OperatorConfig config;

  public ServingDeploymentDependent(OperatorConfig config) {
    super(Deployment.class);
    this.config = config;
  }

  @Override
  protected Deployment desired(BaseModel model, Context<BaseModel> context) {
    return ServingWorkload.deployment(model, config);
  }

  /**
   * JOSDK's matcher (only additions by the server are tolerated), on copies whose quantities are
   * written one way: otherwise a spec that spells a quantity other than the API server's canonical
   * form would replace the Deployment on every reconcile, and a BaseModel is reconciled after every
   * finished adapter load (review P2). A real difference still updates it, with the desired object
   * as built.
   */
  @Override
  public Matcher.Result<Deployment> match(
      Deployment actual, Deployment desired, BaseModel model, Context<BaseModel> context) {
    return Matcher.Result.computed(upToDate(actual, desired, context), desired);
  }

  static <P extends io.fabric8.kubernetes.api.model.HasMetadata> boolean upToDate(
      Deployment actual, Deployment desired, Context<P> context) {
    return GenericKubernetesResourceMatcher.match(
            CanonicalQuantities.of(desired), CanonicalQuantities.of(actual), false, false, context)
        .matched();
  }
}
