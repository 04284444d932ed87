package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.util.function.Consumer;

/**
 * Registers the committed CRDs (crds/) in the Fabric8 mock before the operator starts, as an
 * install does ({@code @WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)}). The
 * operator never applies CRDs itself, in no profile: on the real control plane its ServiceAccount
 * may not, and the attempt was denied (quarkus.operator-sdk.crd.apply is a build-time setting, so a
 * test resource cannot turn it off for the real-plane tests only).
 */
public class MockServerCrds implements Consumer<KubernetesServer> {
  @Override
  public void accept(KubernetesServer server) {
    try {
      for (CustomResourceDefinition crd : RealCluster.committedCrds(server.getClient())) {
        server.getClient().resource(crd).create();
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot register the committed CRDs in the mock", e);
    }
  }
}
