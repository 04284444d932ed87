package io.lorafleet.router.routing;

import static io.lorafleet.router.pool.PodStatus.Tier.COLD;
import static io.lorafleet.router.pool.PodStatus.Tier.DEVICE;
import static io.lorafleet.router.pool.PodStatus.Tier.DISK;
import static io.lorafleet.router.pool.PodStatus.Tier.HOST;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodChooserTest {
  @Test
  void theBaseModelGoesToTheLeastLoadedPod() {
    var c =
        PodChooser.choose(
            null,
            List.of(
                new Candidate("a", DEVICE, 3, 4),
                new Candidate("b", DEVICE, 1, 4),
                new Candidate("c", DEVICE, 2, 4)));
    assertThat(c).isEqualTo(new PodChooser.Choice("b", Outcome.BASE));
  }

  @Test
  void podsThatTieTakeTurnsSoAnIdlePoolSpreadsItsRequests() {
    List<Candidate> idle =
        List.of(
            new Candidate("b", DEVICE, 0, 4),
            new Candidate("a", DEVICE, 0, 4),
            new Candidate("c", DEVICE, 0, 4));
    List<String> base = new ArrayList<>();
    List<String> warm = new ArrayList<>();
    for (long turn = 0; turn < 6; turn++) {
      base.add(PodChooser.choose(null, idle, turn).pod());
      warm.add(PodChooser.choose("x", idle, turn).pod());
    }
    assertThat(base).containsExactly("a", "b", "c", "a", "b", "c");
    assertThat(warm).containsExactly("a", "b", "c", "a", "b", "c");
    // Only ties rotate: a less loaded pod is chosen on every turn.
    List<Candidate> uneven =
        List.of(new Candidate("a", DEVICE, 1, 4), new Candidate("b", DEVICE, 0, 4));
    for (long turn = 0; turn < 4; turn++) {
      assertThat(PodChooser.choose(null, uneven, turn).pod()).isEqualTo("b");
    }
  }

  @Test
  void deviceBeatsHostBeatsDiskBeatsColdWhileTheyHaveFreeSlots() {
    List<Candidate> pods =
        List.of(
            new Candidate("cold", COLD, 0, 4),
            new Candidate("disk", DISK, 0, 4),
            new Candidate("host", HOST, 0, 4),
            new Candidate("device", DEVICE, 0, 4));
    assertThat(PodChooser.choose("x", pods))
        .isEqualTo(new PodChooser.Choice("device", Outcome.RESIDENT));
    assertThat(PodChooser.choose("x", pods.subList(0, 3)).pod()).isEqualTo("host");
    assertThat(PodChooser.choose("x", pods.subList(0, 2)).pod()).isEqualTo("disk");
  }

  @Test
  void outstandingRequestsWeighAgainstTheTier() {
    // a busy device holder (3 of 4) loses to an idle host-tier holder
    var c =
        PodChooser.choose(
            "x", List.of(new Candidate("device", DEVICE, 3, 4), new Candidate("host", HOST, 0, 4)));
    assertThat(c).isEqualTo(new PodChooser.Choice("host", Outcome.RESIDENT));
    // but a holder with a free slot always beats loading a new copy
    var held =
        PodChooser.choose(
            "x", List.of(new Candidate("disk", DISK, 3, 4), new Candidate("cold", COLD, 0, 4)));
    assertThat(held.pod()).isEqualTo("disk");
  }

  @Test
  void aHotAdapterWhoseHoldersAreFullSpreadsToAPodWithFreeSlots() {
    var c =
        PodChooser.choose(
            "hot",
            List.of(
                new Candidate("a", DEVICE, 4, 4),
                new Candidate("b", COLD, 3, 4),
                new Candidate("c", COLD, 1, 4)));
    assertThat(c.outcome()).isEqualTo(Outcome.SPREAD);
    assertThat(c.pod()).isIn("b", "c");
  }

  @Test
  void everyPodFullMeansWait() {
    assertThat(
            PodChooser.choose(
                "x", List.of(new Candidate("a", DEVICE, 4, 4), new Candidate("b", COLD, 2, 2))))
        .isNull();
    assertThat(PodChooser.choose(null, List.of(new Candidate("a", DEVICE, 4, 4)))).isNull();
  }

  @Test
  void aColdAdapterGoesToTheSamePodWhateverTheOrderAndLoad() {
    List<Candidate> pods = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      pods.add(new Candidate("10.0.0." + p + ":8000", COLD, p, 8));
    }
    Map<String, Integer> perPod = new HashMap<>();
    for (int a = 0; a < 400; a++) {
      String adapter = "adapter-" + a;
      var first = PodChooser.choose(adapter, pods);
      assertThat(first.outcome()).isEqualTo(Outcome.COLD);
      List<Candidate> shuffled = new ArrayList<>(pods);
      Collections.shuffle(shuffled);
      assertThat(PodChooser.choose(adapter, shuffled)).isEqualTo(first);
      perPod.merge(first.pod(), 1, Integer::sum);
    }
    // rendezvous spreads cold adapters evenly (each pod gets 100 +- a few dozen of 400)
    assertThat(perPod.values()).allSatisfy(n -> assertThat(n).isBetween(60, 140));
  }

  @Test
  void removingAPodMovesOnlyTheAdaptersItWasFirstChoiceFor() {
    List<Candidate> four = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      four.add(new Candidate("pod-" + p, COLD, 0, 8));
    }
    List<Candidate> three = four.subList(0, 3);
    for (int a = 0; a < 200; a++) {
      String before = PodChooser.choose("a" + a, four).pod();
      String after = PodChooser.choose("a" + a, three).pod();
      if (!before.equals("pod-3")) {
        assertThat(after).isEqualTo(before);
      }
    }
  }

  @Test
  void aFullRendezvousPodHandsTheColdAdapterToTheNextInItsOrder() {
    List<Candidate> pods =
        new ArrayList<>(
            List.of(
                new Candidate("a", COLD, 0, 2),
                new Candidate("b", COLD, 0, 2),
                new Candidate("c", COLD, 0, 2)));
    String first = PodChooser.choose("z", pods).pod();
    pods.replaceAll(c -> c.pod().equals(first) ? new Candidate(first, COLD, 2, 2) : c);
    var second = PodChooser.choose("z", pods);
    assertThat(second.pod()).isNotEqualTo(first);
    assertThat(second.outcome()).isEqualTo(Outcome.COLD);
    assertThat(PodChooser.choose("z", pods)).isEqualTo(second); // stable while it stays full
  }
}
