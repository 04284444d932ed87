package io.lorafleet.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * Several operator replicas are safe: one holds the Lease (lease-name, per Helm release) in its own
 * namespace and reconciles, the others wait. QOSDK activates it in the prod profile only, so tests
 * (one process, no real API server) run without it.
 */
@ApplicationScoped
public class LeaderElection {
  @Produces
  @ApplicationScoped
  LeaderElectionConfiguration leaderElection(OperatorConfig config) {
    return new LeaderElectionConfiguration(config.leaseName());
  }
}
