package io.lorafleet.artifacts.compat;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Outcome of a compatibility check: every problem found and how many modules did match. */
public record CompatibilityReport(List<Incompatibility> problems, int matchedModules) {
  public CompatibilityReport {
    problems = List.copyOf(problems);
  }

  public boolean compatible() {
    return problems.isEmpty();
  }

  public Set<IncompatibilityReason> reasons() {
    return problems.stream().map(Incompatibility::reason).collect(Collectors.toSet());
  }

  /** A one-paragraph summary for a condition message. */
  public String summary() {
    if (compatible()) {
      return "compatible: " + matchedModules + " adapted modules match the base model";
    }
    return problems.stream().map(Incompatibility::toString).collect(Collectors.joining("; "));
  }
}
