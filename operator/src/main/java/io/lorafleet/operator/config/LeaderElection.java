package io.lorafleet.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * Several operator replicas are safe: one holds the Lease lorafleet-operator in its own namespace
 * and reconciles, the others wait. QOSDK activates it in the prod profile only, so tests (one
 * process, no real API server) run without it.
 */
@ApplicationScoped
public class LeaderElection {
  public static final String LEASE = "lorafleet-operator";

  @Produces
  @ApplicationScoped
  LeaderElectionConfiguration leaderElection() {
    return new LeaderElectionConfiguration(LEASE);
  }
}
