package io.lorafleet.router.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.lorafleet.testcluster.ControlPlane;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * The router with {@code pod-source=endpointslice} against the real control plane (lorafleet
 * testcluster): a fresh namespace, Service name {@link #SERVICE}, port {@code http}; the router's
 * Kubernetes client finds the admin kubeconfig through the {@code kubeconfig} system property.
 */
public class RealPlaneSlicesResource implements QuarkusTestResourceLifecycleManager {
  public static final String SERVICE = "tiny-pods";
  public static final String NAMESPACE_PROPERTY = "lorafleet.test.slices-namespace";

  private String namespace;

  @Override
  public Map<String, String> start() {
    try {
      ControlPlane plane = ControlPlane.shared();
      Path kubeconfig =
          plane.writeAdminKubeconfig(
              Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "kube", ".yaml"));
      System.setProperty("kubeconfig", kubeconfig.toString());
      namespace = "router-slices-" + UUID.randomUUID().toString().substring(0, 8);
      plane
          .adminClient()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
      System.setProperty(NAMESPACE_PROPERTY, namespace);
    } catch (Exception e) {
      throw new IllegalStateException("the real control plane did not start", e);
    }
    return Map.of(
        "lorafleet.router.pod-source",
        "endpointslice",
        "lorafleet.router.service",
        SERVICE,
        "lorafleet.router.namespace",
        namespace,
        "lorafleet.router.port-name",
        "http");
  }

  @Override
  public void stop() {
    if (namespace != null) {
      ControlPlane.shared().adminClient().namespaces().withName(namespace).delete();
    }
  }
}
