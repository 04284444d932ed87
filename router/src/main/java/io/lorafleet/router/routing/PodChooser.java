package io.lorafleet.router.routing;

import io.lorafleet.router.pool.PodStatus.Tier;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Chooses a pod for one request, among pods with a free slot: the base model goes to the least
 * loaded; an adapter to a pod holding it (device before host before disk, each weighed against how
 * loaded the pod is); nobody holding it, to its rendezvous pod (the first with a free slot in the
 * adapter's rendezvous order), so it is loaded once; everyone holding it full, to another pod with
 * a free slot (spread: residency follows demand, and the pods' LRU tiers retire copies that go
 * cold). Pure: the same inputs (the turn included) give the same choice.
 */
public final class PodChooser {
  /** The chosen pod and why. */
  public record Choice(String pod, Outcome outcome) {}

  // Tier costs stay below 1.5 so a holder with a free slot always beats loading a new copy.
  private static final double DEVICE = 0;
  private static final double HOST = 0.25;
  private static final double DISK = 0.5;
  private static final double RENDEZVOUS = 1.5;
  private static final double OTHER_COLD = 3;

  private PodChooser() {}

  /** {@link #choose(String, List, long)} on turn 0: ties go to the first pod by name. */
  public static Choice choose(String adapter, List<Candidate> candidates) {
    return choose(adapter, candidates, 0);
  }

  /**
   * The choice, or null when every candidate is full (the request waits). {@code adapter} is null
   * for the base model. Candidates are pods that are up and can serve the model. Pods that tie on
   * the best score take turns ({@code turn}, a count of the caller's requests): on an idle pool
   * every pod gets its share instead of the first by name taking every request.
   */
  public static Choice choose(String adapter, List<Candidate> candidates, long turn) {
    if (adapter == null) {
      return best(candidates, Candidate::load, turn)
          .map(c -> new Choice(c.pod(), Outcome.BASE))
          .orElse(null);
    }
    boolean held = candidates.stream().anyMatch(c -> c.tier() != Tier.COLD);
    String rendezvous =
        candidates.stream()
            .filter(c -> c.tier() == Tier.COLD && c.free())
            .max(Comparator.comparingLong(c -> Rendezvous.weight(adapter, c.pod())))
            .map(Candidate::pod)
            .orElse(null);
    ToDoubleFunction<Candidate> score =
        c ->
            c.load()
                + switch (c.tier()) {
                  case DEVICE -> DEVICE;
                  case HOST -> HOST;
                  case DISK -> DISK;
                  case COLD -> c.pod().equals(rendezvous) ? RENDEZVOUS : OTHER_COLD;
                };
    return best(candidates, score, turn)
        .map(
            c ->
                new Choice(
                    c.pod(),
                    c.tier() != Tier.COLD
                        ? Outcome.RESIDENT
                        : held ? Outcome.SPREAD : Outcome.COLD))
        .orElse(null);
  }

  /** The free candidate with the lowest score; among equals, the turn's one in name order. */
  private static Optional<Candidate> best(
      List<Candidate> candidates, ToDoubleFunction<Candidate> score, long turn) {
    double lowest =
        candidates.stream().filter(Candidate::free).mapToDouble(score).min().orElse(Double.NaN);
    List<Candidate> tied =
        candidates.stream()
            .filter(c -> c.free() && score.applyAsDouble(c) == lowest)
            .sorted(Comparator.comparing(Candidate::pod))
            .toList();
    return tied.isEmpty()
        ? Optional.empty()
        : Optional.of(tied.get((int) Math.floorMod(turn, (long) tied.size())));
  }
}
