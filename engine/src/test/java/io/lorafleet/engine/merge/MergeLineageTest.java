package io.lorafleet.engine.merge;

import static io.lorafleet.engine.merge.MergeTestSupport.Q0;
import static io.lorafleet.engine.merge.MergeTestSupport.delta;
import static io.lorafleet.engine.merge.MergeTestSupport.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.MergeLineage.LoadedSource;
import io.lorafleet.engine.support.InMemoryObjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge published with its lineage, against an in-memory object store (the trainer image's
 * MergeJob and the CLI's merge run this path; merge.json itself is tested there).
 */
class MergeLineageTest {
  static final ModuleKey V1 = new ModuleKey(1, LinearModule.V_PROJ);
  static final LoraAdapter A1 = MergeTestSupport.random(21, 4, 8, false, 12, 10, List.of(Q0, V1));
  static final LoraAdapter A2 = MergeTestSupport.random(22, 2, 4, true, 12, 10, List.of(Q0));

  @TempDir Path tmp;
  ArtifactStore store;
  PublishedVersion v1;
  PublishedVersion v2;

  @BeforeEach
  void publishSources() throws Exception {
    store = new ArtifactStore(new InMemoryObjectStore(), RetryPolicy.defaults());
    PeftAdapterWriter.write(A1, tmp.resolve("a1"));
    PeftAdapterWriter.write(A2, tmp.resolve("a2"));
    v1 = store.push(tmp.resolve("a1"), S3Uri.parse("s3://bucket/adapters/ns/a1"), Map.of());
    v2 = store.push(tmp.resolve("a2"), S3Uri.parse("s3://bucket/adapters/ns/a2"), Map.of());
  }

  List<LoadedSource> pulledSources() throws Exception {
    store.pull(v1.uri(), tmp.resolve("s1"));
    store.pull(v2.uri(), tmp.resolve("s2"));
    return List.of(
        new LoadedSource(
            "a1", "sha256:" + v1.digest(), 0.6, PeftAdapterReader.read(tmp.resolve("s1"))),
        new LoadedSource(
            "a2", "sha256:" + v2.digest(), -0.5, PeftAdapterReader.read(tmp.resolve("s2"))));
  }

  @Test
  void catMergeIsPublishedWithItsLineage() throws Exception {
    MergeLineage.Merged merged =
        MergeLineage.merge(
            pulledSources(),
            new MergeSpec(
                MergeMethod.CAT, Double.NaN, Combiners.MajoritySign.TOTAL, OptionalInt.empty(), 7));
    assertThat(merged.metrics()).containsEntry("rank", 6).containsEntry("truncationError", 0.0);
    PublishedVersion published =
        MergeLineage.publish(
            merged, store, tmp.resolve("merged"), S3Uri.parse("s3://bucket/adapters/ns/merged"));
    PublishedVersion out = store.pull(published.uri(), tmp.resolve("out"));
    assertThat(out.digest()).isEqualTo(published.digest());
    assertThat(out.uri().toString()).startsWith("s3://bucket/adapters/ns/merged/sha256-");
    assertThat(out.manifest().lineage())
        .containsEntry("merge.method", "cat")
        .containsEntry("merge.majoritySign", "total")
        .containsEntry("merge.seed", "7")
        .containsEntry("merge.source.0.adapter", "a1")
        .containsEntry("merge.source.0.digest", "sha256:" + v1.digest())
        .containsEntry("merge.source.1.digest", "sha256:" + v2.digest())
        .containsEntry("merge.source.1.weight", "-0.5")
        .doesNotContainKey("merge.density");
    LoraAdapter result = PeftAdapterReader.read(tmp.resolve("out"));
    for (ModuleKey key : List.of(Q0, V1)) {
      double[] expected = delta(A1.modules().get(key));
      for (int i = 0; i < expected.length; i++) {
        expected[i] *= 0.6;
      }
      if (key.equals(Q0)) {
        double[] d2 = delta(A2.modules().get(key));
        for (int i = 0; i < expected.length; i++) {
          expected[i] += -0.5 * d2[i];
        }
      }
      assertThat(maxAbsDiff(delta(result.modules().get(key)), expected)).isLessThan(1e-5);
    }
  }

  @Test
  void tiesMergeReportsTheTruncationErrorOfTheSameMergeWithoutLineage() throws Exception {
    MergeSpec spec =
        new MergeSpec(
            MergeMethod.TIES, 0.4, Combiners.MajoritySign.FREQUENCY, OptionalInt.of(2), 7);
    MergeLineage.Merged merged = MergeLineage.merge(pulledSources(), spec);
    AdapterMerger.Result direct =
        AdapterMerger.merge(List.of(new Source(A1, 0.6), new Source(A2, -0.5)), spec);
    assertThat((double) merged.metrics().get("truncationError"))
        .isGreaterThan(0)
        .isCloseTo(direct.totalTruncationError(), within(1e-12));
    assertThat(merged.lineage())
        .containsEntry("merge.density", "0.4")
        .containsEntry("merge.majoritySign", "frequency")
        .containsEntry("merge.outputRank", "2");
  }
}
