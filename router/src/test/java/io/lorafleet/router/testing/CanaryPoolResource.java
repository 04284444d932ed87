package io.lorafleet.router.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.serving.pod.CanaryName;
import io.lorafleet.testcluster.ControlPlane;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A canary rollout's set-up as the operator leaves it, with real processes: two real servers where
 * adapter {@link #SERVED} (stable, {@code a0}'s weights) and {@code <SERVED>@canary} ({@code a1}'s
 * weights) are registered on both; the real control plane with the LoraAdapter CRD and a fresh
 * namespace. The router under test follows the LoraAdapters of that namespace whose BaseModel is
 * {@code tiny}; tests write their status.rollout as the operator would.
 */
public class CanaryPoolResource implements QuarkusTestResourceLifecycleManager {
  public static final String SERVED = "a0";
  public static final String NAMESPACE_PROPERTY = "lorafleet.test.canary-namespace";

  private ServerPool pool;
  private String namespace;

  @Override
  public Map<String, String> start() {
    try {
      pool = ServerPool.start(2, 2, 2, 4);
      String[] canary = pool.registrations.get("a1");
      for (int i = 0; i < 2; i++) {
        pool.register(i, CanaryName.of(SERVED), canary[0], canary[1]);
      }
      ControlPlane plane = ControlPlane.shared();
      Path kubeconfig =
          plane.writeAdminKubeconfig(
              Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "kube", ".yaml"));
      System.setProperty("kubeconfig", kubeconfig.toString());
      KubernetesClient admin = plane.adminClient();
      CustomResourceDefinition crd =
          admin
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .load(Path.of("../crds/loraadapters.lorafleet.io.yaml").toFile())
              .item();
      admin.resource(crd).forceConflicts().serverSideApply();
      admin
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(
              c ->
                  c != null
                      && c.getStatus() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              x ->
                                  x.getType().equals("Established")
                                      && x.getStatus().equals("True")),
              30,
              TimeUnit.SECONDS);
      namespace = "router-canary-" + UUID.randomUUID().toString().substring(0, 8);
      admin
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
      System.setProperty(NAMESPACE_PROPERTY, namespace);
    } catch (Exception e) {
      throw new IllegalStateException("the canary pool did not start", e);
    }
    Map<String, String> props = new HashMap<>();
    props.put(
        "lorafleet.router.pods",
        pool.urls.stream().map(Object::toString).collect(Collectors.joining(",")));
    props.put("lorafleet.router.inference-token-file", pool.inferenceTokenFile.toString());
    props.put("lorafleet.router.namespace", namespace);
    props.put("lorafleet.router.base-model-ref", "tiny");
    for (int i = 0; i < 2; i++) {
      props.put("lorafleet.test.pod." + i + ".url", pool.urls.get(i).toString());
    }
    props.put("lorafleet.test.pool-root", pool.root.toString());
    return props;
  }

  @Override
  public void stop() {
    if (namespace != null) {
      ControlPlane.shared().adminClient().namespaces().withName(namespace).delete();
    }
    if (pool != null) {
      pool.close();
    }
  }
}
