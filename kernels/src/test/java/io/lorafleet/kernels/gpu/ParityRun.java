package io.lorafleet.kernels.gpu;

import io.lorafleet.kernels.HostDevice;
import io.lorafleet.kernels.HostLibrary;
import java.io.PrintWriter;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs {@code GpuParityTest} through the JUnit platform launcher (the GPU machine has no Maven):
 * every kernel's parity cases on {@code device} against the CPU backend. Prints each test's outcome
 * and the summary; returns whether every test ran and passed (none skipped, at least one found).
 */
final class ParityRun {
  private ParityRun() {}

  static boolean run(String device) {
    System.setProperty("lorafleet.gpu", "true");
    System.setProperty("lorafleet.gpu.device", device);
    // The parity classes open the host build too (their own device, swapped out for the GPU's).
    if (System.getProperty(HostDevice.LIBRARY_PROPERTY) == null) {
      System.setProperty(HostDevice.LIBRARY_PROPERTY, HostLibrary.path().toString());
    }
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass("io.lorafleet.kernels.GpuParityTest"))
            .build();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    TestExecutionListener progress =
        new TestExecutionListener() {
          @Override
          public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
              System.out.printf(
                  "[parity] %-60s %s%n", id.getLegacyReportingName(), result.getStatus());
              result.getThrowable().ifPresent(t -> System.out.println("[parity]   " + t));
            }
          }

          @Override
          public void executionSkipped(TestIdentifier id, String reason) {
            System.out.printf("[parity] %-60s SKIPPED: %s%n", id.getLegacyReportingName(), reason);
          }
        };
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, summary, progress);
    TestExecutionSummary s = summary.getSummary();
    PrintWriter out = new PrintWriter(System.out, true);
    s.printTo(out);
    s.printFailuresTo(out, 20);
    return s.getTestsFoundCount() > 0
        && s.getTotalFailureCount() == 0
        && s.getTestsSkippedCount() == 0
        && s.getContainersFailedCount() == 0
        && s.getTestsSucceededCount() == s.getTestsFoundCount();
  }
}
