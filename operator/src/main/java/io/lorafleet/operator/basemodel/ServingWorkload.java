package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.ServingRollout;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.reconcile.CoreTypes;
import io.lorafleet.operator.reconcile.PodResources;
import io.lorafleet.operator.reconcile.PodSecurity;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import java.util.ArrayList;
import java.util.List;

/**
 * The desired serving Deployment and Service of a BaseModel: pure functions of the spec and the
 * operator's configuration, so they are unit-tested without a cluster.
 */
public final class ServingWorkload {
  static final String CONTAINER = "server";
  static final String CACHE_DIR = "/var/cache/lorafleet";

  /**
   * The cache emptyDir's size when the spec names no ephemeral-storage: room for a 7B model in
   * 16-bit weights and its adapters; the pod requests as much, so the scheduler picks a node with
   * that much free disk, and the kubelet evicts the pod (not its neighbours) beyond it.
   */
  static final Quantity DEFAULT_CACHE_SIZE = new Quantity("20Gi");

  static final long TERMINATION_GRACE_SECONDS = 45;

  /** vLLM's workers share tensors through /dev/shm; the container runtime gives 64 MiB. */
  static final Quantity SHARED_MEMORY = new Quantity("2Gi");

  private ServingWorkload() {}

  public static Deployment deployment(BaseModel model, OperatorConfig config) {
    ServingSpec serving = model.getSpec().serving();
    boolean builtin = serving.runtime() != ServingRuntime.VLLM;
    PodSpec pod =
        new PodSpecBuilder()
            .withContainers(container(model, config, builtin))
            .withVolumes(volumes(model, builtin))
            .withSecurityContext(PodSecurity.pod())
            // The pods never call the Kubernetes API; a user-chosen image gets no token to misuse.
            .withAutomountServiceAccountToken(false)
            // Longer than the builtin server's 30 s drain of in-flight requests after SIGTERM.
            .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
            .withNodeSelector(serving.nodeSelector())
            .withTolerations(CoreTypes.tolerations(serving.tolerations()))
            .withEnableServiceLinks(false)
            .build();
    return PoolWorkloads.deployment(
            metadata(model),
            serving.replicas(),
            BaseModelResources.selector(model),
            BaseModelResources.labels(model),
            pod)
        .editSpec()
        .withStrategy(strategy(serving.rollout()))
        .withProgressDeadlineSeconds(
            serving.rollout() == null ? null : serving.rollout().progressDeadlineSeconds())
        .endSpec()
        .build();
  }

  /**
   * The rolling update the spec asks for; none set leaves the Kubernetes default (25 % surge). A
   * surge of 0 without maxUnavailable gets 1: the default 25 % rounds down to 0 on small pools, and
   * the API server refuses a rolling update that may neither add nor remove a pod.
   */
  static DeploymentStrategy strategy(ServingRollout rollout) {
    if (rollout == null || (rollout.maxSurge() == null && rollout.maxUnavailable() == null)) {
      return null;
    }
    IntOrString unavailable = rollout.maxUnavailable();
    if (unavailable == null && isZero(rollout.maxSurge())) {
      unavailable = new IntOrString(1);
    }
    return new DeploymentStrategyBuilder()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(rollout.maxSurge())
        .withMaxUnavailable(unavailable)
        .endRollingUpdate()
        .build();
  }

  private static boolean isZero(IntOrString value) {
    return value != null
        && (Integer.valueOf(0).equals(value.getIntVal()) || "0%".equals(value.getStrVal()));
  }

  /**
   * The pool's public Service: the router pods of a builtin pool (each request reaches a pod that
   * holds or will load its adapter), the serving pods themselves for a vLLM pool.
   */
  public static Service service(BaseModel model, OperatorConfig config) {
    return new ServiceBuilder()
        .withMetadata(metadata(model))
        .withNewSpec()
        .withSelector(
            RouterResources.routed(model)
                ? RouterResources.selector(model)
                : BaseModelResources.selector(model))
        .withPorts(PoolWorkloads.httpServicePort(config.servingPort()))
        .endSpec()
        .build();
  }

  /**
   * A node drain (or any eviction) takes one serving pod at a time, so a pool of several pods keeps
   * serving through it; a pool of one can still be drained (maxUnavailable, not minAvailable, which
   * would block the drain for ever). A Deployment rollout is not an eviction and ignores it.
   */
  public static PodDisruptionBudget disruptionBudget(BaseModel model) {
    return PoolWorkloads.oneAtATime(metadata(model), BaseModelResources.selector(model));
  }

  private static ObjectMeta metadata(BaseModel model) {
    return new ObjectMetaBuilder()
        .withName(BaseModelResources.servingName(model))
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(BaseModelResources.labels(model))
        .build();
  }

  private static Container container(BaseModel model, OperatorConfig config, boolean builtin) {
    ServingSpec serving = model.getSpec().serving();
    String image =
        serving.image() != null
            ? serving.image()
            : builtin ? config.serverImage() : config.vllmImage();
    ContainerBuilder container =
        new ContainerBuilder()
            .withName(CONTAINER)
            .withImage(image)
            .withArgs(builtin ? builtinArgs(model, config) : vllmArgs(model, config))
            .withEnv(env(model.getSpec().source().credentialsSecretRef(), builtin, config))
            .withPorts(PoolWorkloads.httpPort(config.servingPort()))
            .withReadinessProbe(
                PoolWorkloads.httpProbe(builtin ? "/health/ready" : "/health", 5).build())
            .withVolumeMounts(volumeMounts(model, builtin))
            .withResources(resources(serving, builtin));
    // vLLM writes caches (Hugging Face, torch compile, Triton) under HOME and elsewhere on the
    // root file system; as a non-root user it needs a writable HOME (the /tmp emptyDir).
    container.withSecurityContext(PodSecurity.container(builtin));
    return container.build();
  }

  /**
   * The spec's resources with the operator's defaults: requests for cpu and memory, a memory limit
   * equal to the request for the builtin server (its JVM takes 80 % of the limit as heap), and an
   * ephemeral-storage request for the cache.
   */
  static ResourceRequirements resources(ServingSpec serving, boolean builtin) {
    return PodResources.of(
        serving.resources(), builtin ? PodResources.JVM : PodResources.VLLM, DEFAULT_CACHE_SIZE);
  }

  /** What the cache may hold: the pod's ephemeral-storage allowance. */
  static Quantity cacheSize(ServingSpec serving, boolean builtin) {
    Quantity size =
        PodResources.allowance(resources(serving, builtin), PodResources.EPHEMERAL_STORAGE);
    return size == null ? DEFAULT_CACHE_SIZE : size;
  }

  /** The builtin server's command line (server-image). */
  static List<String> builtinArgs(BaseModel model, OperatorConfig config) {
    AdapterSlots slots = model.getSpec().serving().adapterSlots();
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "serve",
            "--model",
            model.getSpec().source().uri(),
            "--port",
            Integer.toString(config.servingPort()),
            "--max-loaded",
            slots.maxLoaded().toString(),
            "--max-cached",
            slots.maxCached().toString(),
            "--max-rank",
            slots.maxRank().toString(),
            "--admin-token-file",
            BaseModelResources.ADMIN_TOKEN_DIR + "/" + BaseModelResources.ADMIN_TOKEN_KEY,
            "--cache-dir",
            CACHE_DIR));
    if (InferenceTokenMount.of(model).isPresent()) {
      args.add("--inference-token-file");
      args.add(InferenceTokenMount.FILE);
    }
    if (model.getSpec().precision() != null) {
      args.add("--precision");
      args.add(model.getSpec().precision().serverValue());
    }
    // The admin API loads object-store versions only from under these (the pod's credentials
    // may reach more than the adapters it is meant to serve).
    for (String root : config.adapterS3Roots().orElse(List.of())) {
      args.add("--adapter-s3-root");
      args.add(root);
    }
    return args;
  }

  /** vLLM's OpenAI server with runtime LoRA loading, sized from adapterSlots. */
  static List<String> vllmArgs(BaseModel model, OperatorConfig config) {
    AdapterSlots slots = model.getSpec().serving().adapterSlots();
    return List.of(
        "--model",
        model.getSpec().source().uri(),
        "--load-format",
        "runai_streamer",
        "--port",
        Integer.toString(config.servingPort()),
        "--enable-lora",
        "--max-loras",
        slots.maxLoaded().toString(),
        "--max-cpu-loras",
        slots.maxCached().toString(),
        "--max-lora-rank",
        slots.maxRank().toString());
  }

  /**
   * The container environment: the log format, and credentials from the referenced Secret by
   * reference (the operator never copies them).
   */
  static List<EnvVar> env(SecretReference credentials, boolean builtin, OperatorConfig config) {
    List<EnvVar> env = new ArrayList<>();
    if (builtin) {
      // The server's quarkus-logging-json switch, so its pods log as the operator does.
      env.add(
          new EnvVarBuilder()
              .withName("QUARKUS_LOG_CONSOLE_JSON_ENABLED")
              .withValue(Boolean.toString(config.servingJsonLogs()))
              .build());
    }
    if (!builtin) {
      env.add(
          new EnvVarBuilder()
              .withName("VLLM_ALLOW_RUNTIME_LORA_UPDATING")
              .withValue("True")
              .build());
      env.add(new EnvVarBuilder().withName("HOME").withValue("/tmp").build());
    }
    if (credentials == null) {
      return env;
    }
    env.add(
        fromSecret(ObjectStoreAccess.ACCESS_KEY, credentials, ObjectStoreAccess.ACCESS_KEY, false));
    env.add(
        fromSecret(ObjectStoreAccess.SECRET_KEY, credentials, ObjectStoreAccess.SECRET_KEY, false));
    env.add(fromSecret(ObjectStoreAccess.ENDPOINT, credentials, ObjectStoreAccess.ENDPOINT, true));
    env.add(fromSecret(ObjectStoreAccess.REGION, credentials, ObjectStoreAccess.REGION, true));
    if (builtin) {
      // The artifacts client reads its endpoint from LORAFLEET_S3_ENDPOINT.
      env.add(fromSecret("LORAFLEET_S3_ENDPOINT", credentials, ObjectStoreAccess.ENDPOINT, true));
    }
    return env;
  }

  private static EnvVar fromSecret(
      String name, SecretReference secret, String key, boolean optional) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secret.name())
        .withKey(key)
        .withOptional(optional ? Boolean.TRUE : null)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static List<VolumeMount> volumeMounts(BaseModel model, boolean builtin) {
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(new VolumeMountBuilder().withName("cache").withMountPath(CACHE_DIR).build());
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    if (!builtin) {
      mounts.add(new VolumeMountBuilder().withName("dshm").withMountPath("/dev/shm").build());
    }
    if (builtin) {
      mounts.add(
          new VolumeMountBuilder()
              .withName("admin-token")
              .withMountPath(BaseModelResources.ADMIN_TOKEN_DIR)
              .withReadOnly(true)
              .build());
      InferenceTokenMount.mount(model).ifPresent(mounts::add);
    }
    return mounts;
  }

  private static List<Volume> volumes(BaseModel model, boolean builtin) {
    List<Volume> volumes = new ArrayList<>();
    volumes.add(
        new VolumeBuilder()
            .withName("cache")
            .withNewEmptyDir()
            .withSizeLimit(cacheSize(model.getSpec().serving(), builtin))
            .endEmptyDir()
            .build());
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    if (!builtin) {
      volumes.add(
          new VolumeBuilder()
              .withName("dshm")
              .withNewEmptyDir()
              .withMedium("Memory")
              .withSizeLimit(SHARED_MEMORY)
              .endEmptyDir()
              .build());
    }
    if (builtin) {
      volumes.add(
          new VolumeBuilder()
              .withName("admin-token")
              .withNewSecret()
              .withSecretName(BaseModelResources.adminTokenSecretName(model))
              .withDefaultMode(PodSecurity.SECRET_FILE_MODE)
              .endSecret()
              .build());
      InferenceTokenMount.volume(model).ifPresent(volumes::add);
    }
    return volumes;
  }
}
