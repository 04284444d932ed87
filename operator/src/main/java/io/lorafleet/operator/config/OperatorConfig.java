package io.lorafleet.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Operator settings (application.properties or LORAFLEET_OPERATOR_* environment variables). */
@ConfigMapping(prefix = "lorafleet.operator")
public interface OperatorConfig {
  /** Image of the builtin multi-LoRA server (runtime: builtin). */
  @WithDefault("ghcr.io/lorafleet/server:0.1.0")
  String serverImage();

  /** Image of the pool router the operator runs in front of each builtin serving pool. */
  @WithDefault("ghcr.io/lorafleet/router:0.1.0")
  String routerImage();

  /** Image for runtime: vllm. */
  @WithDefault("vllm/vllm-openai:v0.11.0")
  String vllmImage();

  /** Image of the trainer (FineTuneJob) and of merge jobs (MergePolicy). */
  @WithDefault("ghcr.io/lorafleet/trainer:0.1.0")
  String trainerImage();

  /**
   * Whether the builtin server pods log one JSON object per line (the chart's logFormat); plain
   * text otherwise.
   */
  @WithDefault("false")
  boolean servingJsonLogs();

  /** Port the serving pods listen on (OpenAI and admin API). */
  @WithDefault("8000")
  int servingPort();

  /**
   * {@code s3://bucket[/prefix]} roots passed to the builtin server pods as {@code
   * --adapter-s3-root}: their admin API then loads object-store versions only from under these (the
   * chart's {@code servingAdapterS3Roots}); none: any version the pods' credentials can read.
   */
  Optional<List<String>> adapterS3Roots();

  /** S3 endpoint used when a credentials Secret has no AWS_ENDPOINT_URL. */
  Optional<String> defaultS3Endpoint();

  @WithDefault("us-east-1")
  String defaultS3Region();

  /**
   * Object-store endpoints the operator may connect to, as {@code scheme://host[:port]} ({@code
   * *.example.com} for subdomains); empty allows every endpoint. A tenant's credentials Secret
   * names the endpoint, and the operator connects to it from the cluster network (review O4). The
   * default endpoint is always allowed. The chart's {@code objectStore.allowedEndpoints}.
   */
  Optional<List<String>> allowedS3Endpoints();

  /** How often a resolved source is read again, to notice a changed model or artifact. */
  @WithDefault("PT10M")
  Duration sourceRecheckInterval();

  /**
   * How long a deleted FineTuneJob with deleteCheckpointsOnDeletion waits for object storage to be
   * reachable before it lets go and leaves the checkpoints (Warning Event CheckpointsKept).
   */
  @WithDefault("PT10M")
  Duration checkpointCleanupTimeout();

  /**
   * How long a deleted LoraAdapter waits for every ready pod to confirm the unload (pods that
   * answer errors, a wrong token, or nothing) before it lets go, with a Warning Event
   * UnloadAbandoned that names the pods; namespace deletion and helm uninstall must not hang on one
   * broken pod.
   */
  @WithDefault("PT5M")
  Duration adapterUnloadTimeout();

  /**
   * Name of the leader-election Lease in the operator's namespace; the chart sets it per release,
   * so two releases never take turns on one Lease.
   */
  @WithDefault("lorafleet-operator")
  String leaseName();
}
