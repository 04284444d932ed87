package io.lorafleet.trainer.eval;

import io.lorafleet.api.v1alpha1.jobs.EvalVerdict.Gate;
import io.lorafleet.trainer.eval.EvalResult.ModelScores;
import java.io.PrintStream;
import java.util.Locale;

/** The result as two plain-text tables (models, gates) and a verdict line. */
public final class EvalTable {
  private EvalTable() {}

  public static void print(EvalResult r, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "dataset %s (%s)%s; match: %s%n",
        r.dataset(),
        r.datasetDigest(),
        r.safetyDataset() == null ? "" : "; safety probe " + r.safetyDataset(),
        r.match());
    out.printf(
        Locale.ROOT,
        "%-10s %6s %10s %8s %8s %9s  %s%n",
        "model",
        "rows",
        "loss",
        "exact",
        "match",
        "refusal",
        "source");
    for (ModelScores m : r.models()) {
      out.printf(
          Locale.ROOT,
          "%-10s %6d %10.4f %7.1f%% %7.1f%% %9s  %s%n",
          m.role(),
          m.rows(),
          m.meanTokenLoss(),
          100 * m.exactMatch(),
          100 * m.match(),
          m.refusalRate() == null
              ? "-"
              : String.format(Locale.ROOT, "%.1f%%", 100 * m.refusalRate()),
          m.source());
    }
    for (Gate g : r.gates()) {
      out.printf(
          Locale.ROOT,
          "gate %-14s %s  candidate %.4f, %s %.4f, limit %.4f (%s)%n",
          g.name(),
          g.passed() ? "PASS" : "FAIL",
          g.candidate(),
          g.against(),
          g.reference(),
          g.limit(),
          g.rule());
    }
    out.println(r.passed() ? "evaluation passed" : "evaluation FAILED");
  }
}
