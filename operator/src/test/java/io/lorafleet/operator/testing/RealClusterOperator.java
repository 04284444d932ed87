package io.lorafleet.operator.testing;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Runs the operator under test against {@link RealCluster}, authenticated as the chart's
 * ServiceAccount (so it has exactly the chart's RBAC) instead of the Fabric8 mock server. The CRDs
 * are the committed ones, installed by {@link RealCluster}; the operator applies none
 * (quarkus.operator-sdk.crd.apply=false, a build-time setting).
 */
public class RealClusterOperator implements QuarkusTestResourceLifecycleManager {
  @Override
  public Map<String, String> start() {
    Config operator = RealCluster.get().operatorConfig();
    return Map.of(
        "quarkus.kubernetes-client.api-server-url",
        operator.getMasterUrl(),
        "quarkus.kubernetes-client.ca-cert-file",
        operator.getCaCertFile(),
        "quarkus.kubernetes-client.token",
        operator.getOauthToken(),
        "quarkus.kubernetes-client.trust-certs",
        "false",
        "quarkus.kubernetes-client.namespace",
        RealCluster.OPERATOR_NAMESPACE);
  }

  @Override
  public void stop() {
    // The control plane is shared by the JVM's tests and stops when the JVM exits.
  }
}
