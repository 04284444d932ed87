package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.RouterSpec;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.reconcile.PodResources;
import io.lorafleet.operator.reconcile.PodSecurity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The desired objects of a builtin pool's router: pure functions of the spec and the operator's
 * configuration, unit-tested without a cluster. The router finds the serving pods through the
 * EndpointSlices of the headless Service {@code pods-<base>}; that is all its ServiceAccount may
 * read.
 */
public final class RouterWorkload {
  static final String CONTAINER = "router";

  /** A Vert.x proxy holds no model: a quarter CPU and 512Mi (heap 80 % of the limit). */
  static final PodResources.Defaults ROUTER_DEFAULTS =
      new PodResources.Defaults(new Quantity("250m"), new Quantity("512Mi"), true);

  /** After SIGTERM the router stops taking requests; streams in flight finish within this. */
  static final long TERMINATION_GRACE_SECONDS = 45;

  private RouterWorkload() {}

  public static Deployment deployment(BaseModel model, OperatorConfig config) {
    RouterSpec router = model.getSpec().serving().router();
    PodSpec pod =
        new PodSpecBuilder()
            .withServiceAccountName(RouterResources.name(model))
            // The router watches EndpointSlices with this token (and may do nothing else).
            .withAutomountServiceAccountToken(true)
            .withContainers(container(model, config, router))
            .addNewVolume()
            .withName("tmp")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .addAllToVolumes(InferenceTokenMount.volume(model).stream().toList())
            .withSecurityContext(PodSecurity.pod())
            .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
            .withNodeSelector(model.getSpec().serving().nodeSelector())
            .withEnableServiceLinks(false)
            .build();
    return PoolWorkloads.deployment(
            metadata(model, RouterResources.name(model)),
            RouterResources.replicas(model),
            RouterResources.selector(model),
            RouterResources.labels(model),
            pod)
        .build();
  }

  private static Container container(BaseModel model, OperatorConfig config, RouterSpec router) {
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(config.routerImage())
        .withEnv(env(model, config))
        .withPorts(PoolWorkloads.httpPort(config.servingPort()))
        // Ready: at least one serving pod routable; a router without pods leaves the Service.
        .withReadinessProbe(PoolWorkloads.httpProbe("/health/ready", 2).build())
        .withLivenessProbe(
            PoolWorkloads.httpProbe("/health/live", 10).withFailureThreshold(3).build())
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .addAllToVolumeMounts(InferenceTokenMount.mount(model).stream().toList())
        .withResources(PodResources.of(router == null ? null : router.resources(), ROUTER_DEFAULTS))
        .withSecurityContext(PodSecurity.container(true))
        .build();
  }

  /** The router's configuration (router/ RouterConfig, as environment variables). */
  static List<EnvVar> env(BaseModel model, OperatorConfig config) {
    List<EnvVar> env =
        new ArrayList<>(
            List.of(
                env("LORAFLEET_ROUTER_POD_SOURCE", "endpointslice"),
                env("LORAFLEET_ROUTER_SERVICE", RouterResources.podsServiceName(model)),
                env("LORAFLEET_ROUTER_NAMESPACE", model.getMetadata().getNamespace()),
                env("LORAFLEET_ROUTER_PORT_NAME", PoolWorkloads.HTTP),
                // the router splits the traffic of this BaseModel's LoraAdapters under canary
                // rollout
                env("LORAFLEET_ROUTER_BASE_MODEL_REF", model.getMetadata().getName()),
                env("QUARKUS_HTTP_PORT", Integer.toString(config.servingPort())),
                env(
                    "QUARKUS_LOG_CONSOLE_JSON_ENABLED",
                    Boolean.toString(config.servingJsonLogs()))));
    if (InferenceTokenMount.of(model).isPresent()) {
      // clients must send it, and the router sends it on to the pods
      env.add(env("LORAFLEET_ROUTER_INFERENCE_TOKEN_FILE", InferenceTokenMount.FILE));
    }
    return env;
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  public static ServiceAccount serviceAccount(BaseModel model) {
    return new ServiceAccountBuilder()
        .withMetadata(metadata(model, RouterResources.name(model)))
        .build();
  }

  /**
   * Least privilege: the EndpointSlices (its pods) and the LoraAdapters (their canary rollouts) of
   * its namespace, read only.
   */
  public static Role role(BaseModel model) {
    return new RoleBuilder()
        .withMetadata(metadata(model, RouterResources.name(model)))
        .withRules(
            new PolicyRuleBuilder()
                .withApiGroups("discovery.k8s.io")
                .withResources("endpointslices")
                .withVerbs("list", "watch")
                .build(),
            // Canary rollouts: the router splits a served name's traffic by the LoraAdapters'
            // status.rollout (read only).
            new PolicyRuleBuilder()
                .withApiGroups(HasMetadata.getGroup(LoraAdapter.class))
                .withResources(HasMetadata.getPlural(LoraAdapter.class))
                .withVerbs("get", "list", "watch")
                .build())
        .build();
  }

  public static RoleBinding roleBinding(BaseModel model) {
    String name = RouterResources.name(model);
    return new RoleBindingBuilder()
        .withMetadata(metadata(model, name))
        .withNewRoleRef()
        .withApiGroup("rbac.authorization.k8s.io")
        .withKind("Role")
        .withName(name)
        .endRoleRef()
        .addNewSubject()
        .withKind("ServiceAccount")
        .withName(name)
        .withNamespace(model.getMetadata().getNamespace())
        .endSubject()
        .build();
  }

  /** A node drain takes one router pod at a time: the pool's Service keeps an endpoint. */
  public static PodDisruptionBudget disruptionBudget(BaseModel model) {
    return PoolWorkloads.oneAtATime(
        metadata(model, RouterResources.name(model)), RouterResources.selector(model));
  }

  /**
   * The serving pods behind a headless Service: no cluster IP (clients go through the router), its
   * EndpointSlices list the ready pods for the router.
   */
  public static Service podsService(BaseModel model, OperatorConfig config) {
    return new ServiceBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(RouterResources.podsServiceName(model))
                .withNamespace(model.getMetadata().getNamespace())
                .withLabels(RouterResources.podsServiceLabels(model))
                .build())
        .withNewSpec()
        .withClusterIP("None")
        .withSelector(BaseModelResources.selector(model))
        .withPorts(PoolWorkloads.httpServicePort(config.servingPort()))
        .endSpec()
        .build();
  }

  private static ObjectMeta metadata(BaseModel model, String name) {
    Map<String, String> labels = RouterResources.labels(model);
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(labels)
        .build();
  }
}
