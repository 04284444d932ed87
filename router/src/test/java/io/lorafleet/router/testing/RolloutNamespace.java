package io.lorafleet.router.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.testcluster.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The API-server side of a rollout for a router under test, on the shared real control plane: a
 * fresh namespace with the LoraAdapter CRD, the router's kubeconfig, and status.rollout written as
 * the operator writes it.
 */
public final class RolloutNamespace {
  /** The stable version's digest in every status this class writes. */
  public static final String STABLE_DIGEST = "sha256:" + "5".repeat(64);

  private RolloutNamespace() {}

  /**
   * Installs the CRD, creates a namespace {@code <prefix><random>} and points the router's {@code
   * kubeconfig} system property at the plane; returns the namespace.
   */
  public static String create(String prefix) throws Exception {
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
                            x -> x.getType().equals("Established") && x.getStatus().equals("True")),
            30,
            TimeUnit.SECONDS);
    String namespace = prefix + UUID.randomUUID().toString().substring(0, 8);
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    return namespace;
  }

  /**
   * Creates LoraAdapter {@code served} (BaseModel {@code tiny}, a canary rollout of steps 10 and
   * 100) when missing, then writes its status.rollout.
   */
  public static void writeRollout(
      String namespace, String served, String phase, String canaryDigest, int step, int weight) {
    var adapters = ControlPlane.shared().adminClient().resources(LoraAdapter.class);
    if (adapters.inNamespace(namespace).withName(served).get() == null) {
      LoraAdapter a = new LoraAdapter();
      a.setMetadata(new ObjectMetaBuilder().withName(served).build());
      a.setSpec(
          Client.JSON.convertValue(
              Map.of(
                  "baseModelRef",
                  new LocalReference("tiny"),
                  "artifact",
                  Map.of("uri", "s3://bucket/adapters/" + served),
                  "rollout",
                  Map.of(
                      "strategy",
                      "Canary",
                      "canary",
                      Map.of("steps", List.of(Map.of("weight", 10), Map.of("weight", 100))))),
              LoraAdapterSpec.class));
      adapters.inNamespace(namespace).resource(a).create();
    }
    String status =
        "{\"status\":{\"rollout\":{\"phase\":\"%s\",\"stableDigest\":\"%s\",\"canaryDigest\":\"%s\",\"step\":%d,\"weight\":%d}}}"
            .formatted(phase, STABLE_DIGEST, canaryDigest, step, weight);
    adapters
        .inNamespace(namespace)
        .withName(served)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), status);
  }
}
