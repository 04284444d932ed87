package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The Job controller and kubelet for the operator's Jobs, running the real trainer image's
 * application as a child process per pod: a pod that exits 0 completes the Job; an exit code the
 * Job's pod failure policy names fails it at once; any other exit starts a replacement pod until
 * backoffLimit is spent (so a killed trainer resumes from its checkpoint).
 */
public final class ProcessJobRunner implements AutoCloseable {
  private final KubernetesClient client;
  private final Path workDir;
  private final JobStatusWriter statuses;
  private final SharedIndexInformer<Job> informer;
  private final Map<String, ContainerProcess> running = new ConcurrentHashMap<>();
  private final Map<String, Integer> pods = new ConcurrentHashMap<>();

  public ProcessJobRunner(KubernetesClient client, Path workDir) {
    this.client = client;
    this.workDir = workDir;
    this.statuses = new JobStatusWriter(client);
    this.informer =
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .withLabel("app.kubernetes.io/managed-by", "lorafleet-operator")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job job) {
                    Thread.ofVirtual()
                        .name("job-" + job.getMetadata().getName())
                        .start(() -> run(job));
                  }

                  @Override
                  public void onUpdate(Job before, Job after) {}

                  @Override
                  public void onDelete(Job job, boolean unknown) {
                    ContainerProcess p = running.remove(key(job));
                    if (p != null) {
                      p.kill();
                    }
                  }
                });
  }

  private static String key(Job job) {
    return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
  }

  /**
   * The name of a Job of the namespace whose pod process is running now: known as soon as the pod
   * starts, without waiting for the operator to report the Job in a status.
   */
  public java.util.Optional<String> runningJob(String namespace) {
    return running.entrySet().stream()
        .filter(e -> e.getKey().startsWith(namespace + "/") && e.getValue().process().isAlive())
        .map(e -> e.getKey().substring(namespace.length() + 1))
        .findFirst();
  }

  /** Kills the Job's current pod process (SIGKILL), as a lost node would. */
  public void killPod(String namespace, String jobName) {
    ContainerProcess p = running.get(namespace + "/" + jobName);
    if (p == null) {
      throw new IllegalStateException("no running pod for job " + jobName);
    }
    p.kill();
  }

  /** Pods started for the Job so far (1 = never restarted). */
  public int podsStarted(String namespace, String jobName) {
    return pods.getOrDefault(namespace + "/" + jobName, 0);
  }

  /** The whole output of the Job's latest pod. */
  public String log(String namespace, String jobName) {
    ContainerProcess p = running.get(namespace + "/" + jobName);
    return p == null ? "(no pod)" : p.logTail(Integer.MAX_VALUE);
  }

  private void run(Job job) {
    String key = key(job);
    int backoffLimit =
        job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
    List<Integer> failJobCodes = failJobExitCodes(job);
    int failed = 0;
    try {
      while (true) {
        int attempt = pods.merge(key, 1, Integer::sum);
        ContainerProcess pod =
            ContainerProcess.start(
                client,
                job.getMetadata().getNamespace(),
                job.getSpec().getTemplate().getSpec(),
                LocalImages.trainer(),
                workDir
                    .resolve(job.getMetadata().getNamespace())
                    .resolve(job.getMetadata().getName())
                    .resolve("pod-" + attempt),
                UnaryOperator.identity());
        running.put(key, pod);
        statuses.running(job, failed);
        int exit = pod.process().waitFor();
        if (!running.containsKey(key)) {
          return; // the Job was deleted
        }
        if (exit == 0) {
          statuses.complete(job);
          return;
        }
        failed++;
        if (failJobCodes.contains(exit)) {
          statuses.failed(job, failed, "PodFailurePolicy");
          return;
        }
        if (failed > backoffLimit) {
          statuses.failed(job, failed, "BackoffLimitExceeded");
          return;
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("local kubelet failed for job " + key, e);
    }
  }

  private static List<Integer> failJobExitCodes(Job job) {
    if (job.getSpec().getPodFailurePolicy() == null) {
      return List.of();
    }
    return job.getSpec().getPodFailurePolicy().getRules().stream()
        .filter(r -> "FailJob".equals(r.getAction()) && r.getOnExitCodes() != null)
        .map(PodFailurePolicyRule::getOnExitCodes)
        .filter(c -> "In".equals(c.getOperator()))
        .flatMap(c -> c.getValues().stream())
        .toList();
  }

  @Override
  public void close() {
    informer.close();
    running.values().forEach(ContainerProcess::kill);
  }
}
