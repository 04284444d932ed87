package io.lorafleet.engine.merge;

import static io.lorafleet.engine.merge.MergeTestSupport.Q0;
import static io.lorafleet.engine.merge.MergeTestSupport.delta;
import static io.lorafleet.engine.merge.MergeTestSupport.maxAbsDiff;
import static java.nio.charset.StandardCharsets.UTF_8;
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
import io.lorafleet.engine.support.InMemoryObjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merge.json contract end to end against an in-memory object store. */
class MergeJobTest {
  static final ModuleKey V1 = new ModuleKey(1, LinearModule.V_PROJ);
  static final LoraAdapter A1 = MergeTestSupport.random(21, 4, 8, false, 12, 10, List.of(Q0, V1));
  static final LoraAdapter A2 = MergeTestSupport.random(22, 2, 4, true, 12, 10, List.of(Q0));
  static final String RUN = "s3://bucket/runs/ns/mergepolicies/p/k1/";

  @TempDir Path tmp;
  InMemoryObjectStore objects;
  ArtifactStore store;
  PublishedVersion v1;
  PublishedVersion v2;

  @BeforeEach
  void publishSources() throws Exception {
    objects = new InMemoryObjectStore();
    store = new ArtifactStore(objects, RetryPolicy.defaults());
    PeftAdapterWriter.write(A1, tmp.resolve("a1"));
    PeftAdapterWriter.write(A2, tmp.resolve("a2"));
    v1 =
        store.push(
            tmp.resolve("a1"), S3Uri.parse("s3://bucket/adapters/ns/a1"), java.util.Map.of());
    v2 =
        store.push(
            tmp.resolve("a2"), S3Uri.parse("s3://bucket/adapters/ns/a2"), java.util.Map.of());
  }

  /** merge.json as the operator's MergeConfig writes it (with fields this job ignores). */
  String mergeJson(String method, String extra, String digest2) {
    return """
        {"schemaVersion": 1,
         "run": {"namespace": "ns", "name": "p", "key": "k1", "directory": "%s"},
         "baseModel": {"uri": "s3://bucket/models/base/", "digest": "sha256:00"},
         "method": "%s", %s
         "seed": 7,
         "sources": [
           {"adapter": "a1", "uri": "%s", "digest": "sha256:%s", "weight": 0.6,
            "credentialsDir": "/etc/lorafleet/credentials/s"},
           {"adapter": "a2", "uri": "%s", "digest": "%s", "weight": -0.5}],
         "output": {"adapterName": "merged", "versionsUri": "s3://bucket/adapters/ns/merged"}}
        """
        .formatted(RUN, method, extra, v1.uri(), v1.digest(), v2.uri(), digest2);
  }

  MergeJob.Report run(String json) throws Exception {
    return MergeJob.run(MergeJob.parse(json.getBytes(UTF_8)), objects, tmp.resolve("work"));
  }

  @Test
  void catMergeIsPublishedWithLineageAndResultJson() throws Exception {
    MergeJob.Report r = run(mergeJson("cat", "", "sha256:" + v2.digest()));
    assertThat(r.status()).isEqualTo("succeeded");
    assertThat(r.metrics()).containsEntry("rank", 6).containsEntry("truncationError", 0.0);
    PublishedVersion out = store.pull(S3Uri.parse(r.adapter().get("uri")), tmp.resolve("out"));
    assertThat(r.adapter().get("digest")).isEqualTo("sha256:" + out.digest());
    assertThat(out.uri().toString()).startsWith("s3://bucket/adapters/ns/merged/sha256-");
    assertThat(out.manifest().lineage())
        .containsEntry("merge.method", "cat")
        .containsEntry("merge.source.0.digest", "sha256:" + v1.digest())
        .containsEntry("merge.source.1.digest", "sha256:" + v2.digest())
        .containsEntry("merge.source.1.weight", "-0.5");
    LoraAdapter merged = PeftAdapterReader.read(tmp.resolve("out"));
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
      assertThat(maxAbsDiff(delta(merged.modules().get(key)), expected)).isLessThan(1e-5);
    }
    String result =
        new String(objects.getBytes("bucket", "runs/ns/mergepolicies/p/k1/result.json"), UTF_8);
    assertThat(result).contains("\"status\" : \"succeeded\"").contains(out.digest());
  }

  @Test
  void tiesMergeReportsTheTruncationErrorOfTheSameMergeInMemory() throws Exception {
    MergeJob.Report r =
        run(
            mergeJson(
                "ties",
                "\"density\": 0.4, \"majoritySign\": \"frequency\", \"outputRank\": 2,",
                "sha256:" + v2.digest()));
    assertThat(r.status()).as("%s", r.message()).isEqualTo("succeeded");
    AdapterMerger.Result direct =
        AdapterMerger.merge(
            List.of(new Source(A1, 0.6), new Source(A2, -0.5)),
            new MergeSpec(
                MergeMethod.TIES, 0.4, Combiners.MajoritySign.FREQUENCY, OptionalInt.of(2), 7));
    assertThat((double) r.metrics().get("truncationError"))
        .isGreaterThan(0)
        .isCloseTo(direct.totalTruncationError(), within(1e-12));
    assertThat(r.lineage()).containsEntry("merge.density", "0.4");
  }

  @Test
  void aSourceThatIsNotThePinnedDigestFailsWithAResult() throws Exception {
    MergeJob.Report r = run(mergeJson("linear", "", "sha256:" + "0".repeat(64)));
    assertThat(r.status()).isEqualTo("failed");
    assertThat(r.reason()).isEqualTo("InvalidMerge");
    assertThat(r.message()).contains("a2").contains("pinned");
    assertThat(
            new String(objects.getBytes("bucket", "runs/ns/mergepolicies/p/k1/result.json"), UTF_8))
        .contains("\"failed\"");
    assertThat(objects.list("bucket", "adapters/ns/merged/")).isEmpty();
  }
}
