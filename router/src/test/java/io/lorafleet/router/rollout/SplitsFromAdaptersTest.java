package io.lorafleet.router.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which LoraAdapters split traffic, under which name, and when counting starts afresh. */
class SplitsFromAdaptersTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static LoraAdapter adapter(
      String name, String base, String served, String rollout, String stickiness) throws Exception {
    String y =
        "apiVersion: lorafleet.io/v1alpha1\nkind: LoraAdapter\nmetadata:\n  name: "
            + name
            + "\nspec:\n  baseModelRef: {name: "
            + base
            + "}\n  artifact: {uri: 's3://b/a'}\n"
            + (served == null ? "" : "  servedName: " + served + "\n")
            + (stickiness == null
                ? ""
                : "  rollout:\n    strategy: Canary\n    canary:\n      steps: [{weight: 100}]\n"
                    + "      stickiness: "
                    + stickiness
                    + "\n")
            + (rollout == null ? "" : "status:\n  rollout: " + rollout + "\n");
    return YAML.readValue(y, LoraAdapter.class);
  }

  @Test
  void onlyProgressingOrPausedRolloutsOfThisBaseModelSplit() throws Exception {
    String r = "{phase: %s, stableDigest: s1, canaryDigest: c1, step: 0, weight: 10}";
    var splits =
        SplitsFromAdapters.splits(
            List.of(
                adapter("a", "tiny", null, r.formatted("Progressing"), null),
                adapter("b", "tiny", "bee", r.formatted("Paused"), null),
                adapter("c", "tiny", null, r.formatted("Evaluating"), null),
                adapter("d", "tiny", null, r.formatted("Promoted"), null),
                adapter("e", "tiny", null, r.formatted("RolledBack"), null),
                adapter("f", "other", null, r.formatted("Progressing"), null),
                adapter("g", "tiny", null, null, null),
                adapter("h", "tiny", null, "{phase: Progressing, weight: 10}", null)),
            "tiny",
            Map.of());
    assertThat(splits.keySet()).containsExactlyInAnyOrder("a", "bee");
    RolloutSplit a = splits.get("a");
    assertThat(a.weight()).isEqualTo(10);
    assertThat(a.canaryDigest()).isEqualTo("c1");
    assertThat(a.stickyHeader()).isNull();
  }

  @Test
  void stickinessByHeaderNamesTheHeader() throws Exception {
    var splits =
        SplitsFromAdapters.splits(
            List.of(
                adapter(
                    "a",
                    "tiny",
                    null,
                    "{phase: Progressing, canaryDigest: c1, step: 1, weight: 50}",
                    "{key: header, header: X-Tenant}")),
            "tiny",
            Map.of());
    assertThat(splits.get("a").stickyHeader()).isEqualTo("X-Tenant");
  }

  @Test
  void countsSurviveAnUpdateInTheSameWindowAndStartAfreshInANewOne() throws Exception {
    String r = "{phase: Progressing, canaryDigest: %s, step: %d, weight: %d}";
    var first =
        SplitsFromAdapters.splits(
            List.of(adapter("a", "tiny", null, r.formatted("c1", 0, 10), null)), "tiny", Map.of());
    first.get("a").window().record(true, false, 1_000_000);
    var paused =
        SplitsFromAdapters.splits(
            List.of(adapter("a", "tiny", null, r.formatted("c1", 0, 10), null)), "tiny", first);
    assertThat(paused.get("a").window()).isSameAs(first.get("a").window());
    var nextStep =
        SplitsFromAdapters.splits(
            List.of(adapter("a", "tiny", null, r.formatted("c1", 1, 50), null)), "tiny", paused);
    assertThat(nextStep.get("a").window().snapshot().canary().requests()).isZero();
    assertThat(nextStep.get("a").window().snapshot().step()).isEqualTo(1);
    var newCanary =
        SplitsFromAdapters.splits(
            List.of(adapter("a", "tiny", null, r.formatted("c2", 1, 50), null)), "tiny", nextStep);
    assertThat(newCanary.get("a").window()).isNotSameAs(nextStep.get("a").window());
  }

  @Test
  void windowCountsPerVersionWithATtftHistogram() {
    RolloutWindow w = new RolloutWindow("a", "c1", 2);
    w.record(true, false, 3_000_000); // 3 ms: first bucket
    w.record(true, true, -1); // failed before any byte
    w.record(false, false, 40_000_000); // 40 ms: the 50 ms bucket
    var t = w.snapshot();
    assertThat(t.canary().requests()).isEqualTo(2);
    assertThat(t.canary().failures()).isEqualTo(1);
    assertThat(t.canary().ttftCounts().get(0)).isEqualTo(1);
    assertThat(t.stable().requests()).isEqualTo(1);
    assertThat(t.stable().ttftCounts().get(3)).isEqualTo(1);
    assertThat(t.stable().ttftP95Ms()).isEqualTo(50.0);
  }
}
