package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.testing.RestrictedPodSecurity;
import io.lorafleet.operator.testing.TestOperatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The router's desired objects, from the walkthrough's BaseModel (item 1 of issue 18). */
class RouterWorkloadTest {
  private static final TestOperatorConfig CONFIG = new TestOperatorConfig();
  private static final Path ROOT = Path.of(System.getProperty("lorafleet.root", ".."));

  private static BaseModel base(String servingExtra) throws IOException {
    BaseModel model =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough/01-basemodel.yaml"))
                .replace("  serving:\n", "  serving:\n" + servingExtra),
            BaseModel.class);
    model.getMetadata().setNamespace("team-a");
    return model;
  }

  private static Map<String, String> env(Container container) {
    return container.getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e.getValue() == null ? "" : e.getValue()));
  }

  @Test
  void inferenceAuthMountsOneSecretKeyIntoTheRouterAndTheServingPods() throws IOException {
    BaseModel open = base("");
    assertThat(
            env(
                RouterWorkload.deployment(open, CONFIG)
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .getFirst()))
        .doesNotContainKey("LORAFLEET_ROUTER_INFERENCE_TOKEN_FILE");
    assertThat(ServingWorkload.builtinArgs(open, CONFIG)).doesNotContain("--inference-token-file");

    BaseModel guarded = base("    inferenceAuth: {secretName: pool-token, key: api-key}\n");
    var routerPod = RouterWorkload.deployment(guarded, CONFIG).getSpec().getTemplate().getSpec();
    var servingPod = ServingWorkload.deployment(guarded, CONFIG).getSpec().getTemplate().getSpec();
    assertThat(env(routerPod.getContainers().getFirst()))
        .containsEntry(
            "LORAFLEET_ROUTER_INFERENCE_TOKEN_FILE", "/var/run/lorafleet/inference/token");
    var args = servingPod.getContainers().getFirst().getArgs();
    assertThat(args.get(args.indexOf("--inference-token-file") + 1))
        .isEqualTo("/var/run/lorafleet/inference/token");
    for (var pod : java.util.List.of(routerPod, servingPod)) {
      var volume =
          pod.getVolumes().stream().filter(v -> v.getName().equals("inference-token")).findFirst();
      assertThat(volume).as("the token volume").isPresent();
      var secret = volume.get().getSecret();
      assertThat(secret.getSecretName()).isEqualTo("pool-token");
      assertThat(secret.getItems())
          .singleElement()
          .satisfies(
              item -> {
                assertThat(item.getKey()).isEqualTo("api-key");
                assertThat(item.getPath()).isEqualTo("token");
              });
      assertThat(secret.getDefaultMode()).isEqualTo(0440);
      assertThat(pod.getContainers().getFirst().getVolumeMounts())
          .anySatisfy(
              m -> {
                assertThat(m.getName()).isEqualTo("inference-token");
                assertThat(m.getMountPath()).isEqualTo("/var/run/lorafleet/inference");
                assertThat(m.getReadOnly()).isTrue();
              });
      assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
    }
  }

  @Test
  void twoRouterPodsByDefaultWatchingTheHeadlessServiceOfTheServingPods() throws IOException {
    BaseModel model = base("");
    Deployment router = RouterWorkload.deployment(model, CONFIG);
    assertThat(router.getMetadata().getName()).isEqualTo("router-smollm2-135m");
    assertThat(router.getSpec().getReplicas()).isEqualTo(2);
    var pod = router.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("router-smollm2-135m");
    assertThat(router.getSpec().getSelector().getMatchLabels())
        .isEqualTo(
            Map.of(
                "app.kubernetes.io/component",
                "router",
                "lorafleet.io/base-model",
                "smollm2-135m"));
    assertThat(router.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(router.getSpec().getSelector().getMatchLabels());
    Container container = pod.getContainers().getFirst();
    assertThat(container.getImage()).isEqualTo(CONFIG.routerImage());
    assertThat(env(container))
        .containsEntry("LORAFLEET_ROUTER_POD_SOURCE", "endpointslice")
        .containsEntry("LORAFLEET_ROUTER_SERVICE", "pods-smollm2-135m")
        .containsEntry("LORAFLEET_ROUTER_NAMESPACE", "team-a")
        .containsEntry("LORAFLEET_ROUTER_PORT_NAME", "http")
        .containsEntry("LORAFLEET_ROUTER_BASE_MODEL_REF", "smollm2-135m")
        .containsEntry("QUARKUS_HTTP_PORT", "8000");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container.getResources().getLimits().get("memory"))
        .isEqualTo(container.getResources().getRequests().get("memory"));
    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();

    Service pods = RouterWorkload.podsService(model, CONFIG);
    assertThat(pods.getMetadata().getName()).isEqualTo("pods-smollm2-135m");
    assertThat(pods.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(pods.getSpec().getSelector()).isEqualTo(BaseModelResources.selector(model));
    assertThat(pods.getSpec().getPorts().getFirst().getName()).isEqualTo("http");
  }

  @Test
  void thePoolsPublicServiceSelectsTheRouterPodsOfABuiltinPoolAndTheServingPodsOfAVllmPool()
      throws IOException {
    BaseModel builtin = base("");
    Service pub = ServingWorkload.service(builtin, CONFIG);
    assertThat(pub.getMetadata().getName()).isEqualTo("serving-smollm2-135m");
    assertThat(pub.getSpec().getSelector())
        .isEqualTo(
            RouterWorkload.deployment(builtin, CONFIG).getSpec().getSelector().getMatchLabels());
    BaseModel vllm = base("    runtime: vllm\n");
    assertThat(ServingWorkload.service(vllm, CONFIG).getSpec().getSelector())
        .isEqualTo(BaseModelResources.selector(vllm));
    assertThat(RouterResources.routed(vllm)).isFalse();
    assertThat(RouterResources.replicas(vllm)).isZero();
  }

  @Test
  void routerReplicasAndResourcesComeFromTheSpec() throws IOException {
    BaseModel model =
        base(
            "    router:\n      replicas: 3\n      resources:\n        requests:\n          cpu: 500m\n");
    Deployment router = RouterWorkload.deployment(model, CONFIG);
    assertThat(router.getSpec().getReplicas()).isEqualTo(3);
    assertThat(
            router
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst()
                .getResources()
                .getRequests()
                .get("cpu")
                .toString())
        .isEqualTo("500m");
    assertThat(
            RouterWorkload.deployment(base("    router:\n      replicas: 0\n"), CONFIG)
                .getSpec()
                .getReplicas())
        .isZero();
  }

  @Test
  void theRoutersServiceAccountMayOnlyReadEndpointSlicesAndLoraAdapters() throws IOException {
    BaseModel model = base("");
    Role role = RouterWorkload.role(model);
    assertThat(role.getRules()).hasSize(2);
    assertThat(role.getRules().getFirst().getApiGroups()).containsExactly("discovery.k8s.io");
    assertThat(role.getRules().getFirst().getResources()).containsExactly("endpointslices");
    assertThat(role.getRules().getFirst().getVerbs()).containsExactly("list", "watch");
    assertThat(role.getRules().get(1).getApiGroups()).containsExactly("lorafleet.io");
    assertThat(role.getRules().get(1).getResources()).containsExactly("loraadapters");
    assertThat(role.getRules().get(1).getVerbs()).containsExactly("get", "list", "watch");
    RoleBinding binding = RouterWorkload.roleBinding(model);
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName())
                  .isEqualTo(RouterWorkload.serviceAccount(model).getMetadata().getName());
              assertThat(s.getNamespace()).isEqualTo("team-a");
            });
  }

  @Test
  void routerAndServingPodsSpreadOverNodesWithoutBlockingTheScheduler() throws IOException {
    BaseModel model = base("");
    var router = RouterWorkload.deployment(model, CONFIG).getSpec();
    var serving = ServingWorkload.deployment(model, CONFIG).getSpec();
    for (var deployment : java.util.List.of(router, serving)) {
      assertThat(deployment.getTemplate().getSpec().getTopologySpreadConstraints())
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                assertThat(c.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
                assertThat(c.getMaxSkew()).isEqualTo(1);
                assertThat(c.getLabelSelector().getMatchLabels())
                    .isEqualTo(deployment.getSelector().getMatchLabels());
                assertThat(c.getMatchLabelKeys()).containsExactly("pod-template-hash");
              });
    }
  }

  @Test
  void aDisruptionBudgetLetsOneRouterPodGoAtATime() throws IOException {
    BaseModel model = base("");
    PodDisruptionBudget budget = RouterWorkload.disruptionBudget(model);
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(budget.getSpec().getSelector().getMatchLabels())
        .isEqualTo(RouterResources.selector(model));
  }
}
