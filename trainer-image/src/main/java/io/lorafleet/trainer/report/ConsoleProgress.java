package io.lorafleet.trainer.report;

import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A one-line progress bar for runs in a terminal ({@code lorafleet train}): step, loss, eval loss,
 * tokens/s and ETA, redrawn in place after every optimizer step.
 */
public final class ConsoleProgress implements Consumer<RunProgress> {
  private static final int WIDTH = 30;
  private final PrintStream out;

  public ConsoleProgress(PrintStream out) {
    this.out = out;
  }

  @Override
  public void accept(RunProgress p) {
    out.print("\r" + line(p));
    if (p.step() >= p.totalSteps()) {
      out.println();
    }
    out.flush();
  }

  static String line(RunProgress p) {
    int filled = (int) (WIDTH * p.step() / Math.max(1, p.totalSteps()));
    return String.format(
        Locale.ROOT,
        "[%s%s] %d/%d  loss %s  eval %s  %s tok/s  eta %s",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        p.step(),
        p.totalSteps(),
        p.loss() == null ? "-" : String.format(Locale.ROOT, "%.4f", p.loss()),
        p.evalLoss() == null ? "-" : String.format(Locale.ROOT, "%.4f", p.evalLoss()),
        p.tokensPerSecond() == null ? "-" : String.format(Locale.ROOT, "%.0f", p.tokensPerSecond()),
        p.etaSeconds() == null ? "-" : p.etaSeconds() + "s");
  }
}
