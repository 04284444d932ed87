package io.lorafleet.api.v1alpha1.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.common.Lineage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each with-method replaces only its own fields; every other observation is kept as it was. */
class LoraAdapterStatusCopyTest {
  private static final RolloutStatus ROLLOUT =
      new RolloutStatus(RolloutPhase.Progressing, "sha256:a", "sha256:b", 0, 10, null);
  private static final List<ResidentCopy> RESIDENCY =
      List.of(
          new ResidentCopy("pod-0", ResidentCopy.CopyKind.Warm),
          new ResidentCopy("pod-1", ResidentCopy.CopyKind.Demand));

  private static LoraAdapterStatus full() {
    return new LoraAdapterStatus(
        3L,
        List.of(),
        "sha256:a",
        "tone",
        8,
        16.0,
        List.of("q_proj"),
        1024L,
        2,
        1,
        2,
        List.of(new AdapterPlacement("pod-0", "sha256:a", "2026-12-07T00:00:00Z")),
        new Lineage("job", null, "sha256:d", "sha256:m", null),
        ROLLOUT,
        2,
        1,
        RESIDENCY);
  }

  @Test
  void withConditionsReplacesOnlyGenerationAndConditions() {
    LoraAdapterStatus copy = full().withConditions(4, null);
    assertThat(copy.observedGeneration()).isEqualTo(4L);
    assertThat(copy.conditions()).isNull();
    assertThat(copy.withConditions(3, List.of())).isEqualTo(full());
  }

  @Test
  void withRolloutReplacesOnlyTheRollout() {
    LoraAdapterStatus copy = full().withRollout(null);
    assertThat(copy.rollout()).isNull();
    assertThat(copy.withRollout(ROLLOUT)).isEqualTo(full());
  }

  @Test
  void withResidencyReplacesOnlyTheResidencyAndItsCounts() {
    LoraAdapterStatus none = full().withResidency(List.of());
    assertThat(none.residency()).as("none is absent, not []").isNull();
    assertThat(none.residentReplicas()).isZero();
    assertThat(none.demandReplicas()).isZero();
    assertThat(none.withResidency(RESIDENCY)).isEqualTo(full());
  }
}
