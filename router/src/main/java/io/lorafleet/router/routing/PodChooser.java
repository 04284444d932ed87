package io.lorafleet.router.routing;

import io.lorafleet.router.pool.PodStatus.Tier;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses a pod for one request, among pods with a free slot: the base model goes to the least
 * loaded; an adapter to a pod holding it (device before host before disk, each weighed against how
 * loaded the pod is); nobody holding it, to its rendezvous pod (the first with a free slot in the
 * adapter's rendezvous order), so it is loaded once; everyone holding it full, to another pod with
 * a free slot (spread: residency follows demand, and the pods' LRU tiers retire copies that go
 * cold). Pure: the same inputs give the same choice.
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

  /**
   * The choice, or null when every candidate is full (the request waits). {@code adapter} is null
   * for the base model. Candidates are pods that are up and can serve the model.
   */
  public static Choice choose(String adapter, List<Candidate> candidates) {
    if (adapter == null) {
      return candidates.stream()
          .filter(Candidate::free)
          .min(Comparator.comparingDouble(Candidate::load).thenComparing(Candidate::pod))
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
    Candidate best = null;
    double bestScore = Double.MAX_VALUE;
    for (Candidate c : candidates) {
      if (!c.free()) {
        continue;
      }
      double cost =
          switch (c.tier()) {
            case DEVICE -> DEVICE;
            case HOST -> HOST;
            case DISK -> DISK;
            case COLD -> c.pod().equals(rendezvous) ? RENDEZVOUS : OTHER_COLD;
          };
      double score = cost + c.load();
      if (score < bestScore || (score == bestScore && c.pod().compareTo(best.pod()) < 0)) {
        best = c;
        bestScore = score;
      }
    }
    if (best == null) {
      return null;
    }
    Outcome outcome =
        best.tier() != Tier.COLD ? Outcome.RESIDENT : held ? Outcome.SPREAD : Outcome.COLD;
    return new Choice(best.pod(), outcome);
  }
}
