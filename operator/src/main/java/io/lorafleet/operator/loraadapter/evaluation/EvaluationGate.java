package io.lorafleet.operator.loraadapter.evaluation;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.jobs.JobConditions;
import io.lorafleet.operator.jobs.TrainerTermination;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The evaluation gate's Jobs: made once per candidate digest (found again by name after an operator
 * restart), observed through the controller's Job informer, and read back through the {@link
 * EvalVerdict} contract in the finished pod's termination message.
 */
@ApplicationScoped
public class EvaluationGate {
  private final KubernetesClient client;
  private final OperatorConfig config;
  private InformerEventSource<Job, LoraAdapter> jobs;

  public EvaluationGate(KubernetesClient client, OperatorConfig config) {
    this.client = client;
    this.config = config;
  }

  /** The LoraAdapter controller's informer of evaluation Jobs ({@link EvaluationResources}). */
  public void bind(InformerEventSource<Job, LoraAdapter> informer) {
    this.jobs = informer;
  }

  /**
   * Where the evaluation of status.rollout's canary stands; makes its Job when there is none, on
   * the rows {@link EvaluationDataset} chooses ({@code candidateLineage}: the canary version's).
   * With no rows to score, Invalid ({@link EvaluationDataset#MISSING}) and no Job.
   */
  public EvaluationOutcome observe(
      LoraAdapter adapter,
      BaseModel base,
      RolloutStatus rollout,
      Map<String, String> candidateLineage) {
    String namespace = adapter.getMetadata().getNamespace();
    String name = EvaluationResources.jobName(adapter, rollout.canaryDigest());
    Optional<Job> job = jobs.get(new ResourceID(name, namespace));
    if (job.isEmpty()) {
      Optional<EvaluationDataset> dataset =
          EvaluationDataset.choose(
              adapter.getSpec().rollout().canary().evaluation(),
              candidateLineage,
              adapter.getSpec().artifact().credentialsSecretRef());
      if (dataset.isEmpty()) {
        return EvaluationOutcome.invalid(
            EvaluationDataset.missing(rollout.canaryDigest(), candidateLineage));
      }
      try {
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .resource(
                EvaluationWorkload.job(
                    config.trainerImage(), adapter, base, rollout, dataset.get()))
            .create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // Made by an earlier look the informer had not seen yet: the same Job, by its name.
      }
      return EvaluationOutcome.running("evaluation Job " + name + " started");
    }
    boolean complete = JobConditions.of(job.get(), "Complete").isPresent();
    var failed = JobConditions.of(job.get(), "Failed");
    if (!complete && failed.isEmpty()) {
      return EvaluationOutcome.running("evaluation Job " + name + " is running");
    }
    Optional<TrainerTermination.Ended> ended =
        TrainerTermination.lastEnded(client, namespace, name, EvaluationResources.CONTAINER);
    Optional<EvalVerdict> verdict =
        ended.flatMap(e -> EvalVerdictReader.read(e.state().getMessage()));
    if (verdict.isPresent()) {
      String scored = verdict.get().candidateDigest();
      if (scored != null && !scored.equals(rollout.canaryDigest())) {
        return EvaluationOutcome.jobFailed(
            "evaluation Job " + name + " scored " + scored + ", not " + rollout.canaryDigest());
      }
      if (complete == (verdict.get().outcome() == EvalVerdict.Outcome.Passed)) {
        return EvaluationOutcome.of(verdict.get(), name);
      }
    }
    String why =
        TrainerTermination.lastOf(client, namespace, name, EvaluationResources.CONTAINER)
            .map(TrainerTermination::describe)
            .orElse(
                failed
                    .map(c -> Objects.toString(c.getReason(), "") + " " + c.getMessage())
                    .orElse("no pod ended"));
    return EvaluationOutcome.jobFailed(
        "evaluation Job "
            + name
            + (complete ? " completed without a verdict: " : " failed without a verdict: ")
            + why);
  }

  /** Deletes the adapter's evaluation Jobs, except the one of {@code keepDigest} (may be null). */
  public void deleteOthers(LoraAdapter adapter, String keepDigest) {
    String keep = keepDigest == null ? null : EvaluationResources.jobName(adapter, keepDigest);
    jobs.list(adapter.getMetadata().getNamespace())
        .filter(j -> ownedBy(j, adapter))
        .filter(j -> !j.getMetadata().getName().equals(keep))
        .forEach(
            j ->
                client
                    .resource(j)
                    // Background: its pods go with it, the reconcile does not wait for them.
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND)
                    .delete());
  }

  private static boolean ownedBy(Job job, LoraAdapter adapter) {
    return job.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> o.getUid().equals(adapter.getMetadata().getUid()));
  }
}
