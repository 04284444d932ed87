package io.lorafleet.operator.mergepolicy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatus;
import io.lorafleet.api.v1alpha1.common.AdapterOutput;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.mergepolicy.MajoritySign;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeMethod;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicySpec;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeSource;
import io.lorafleet.engine.merge.Combiners;
import io.lorafleet.engine.merge.MergeSpec;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.trainer.merge.MergeJob;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * merge.json: what the operator renders into the merge Job's ConfigMap ({@link MergeConfigs},
 * {@link MergeWorkload#configMap}) is what the trainer image's merge mode reads ({@link
 * MergeJob#parse}, {@link MergeJob#spec}), field for field.
 */
class MergeConfigContractTest {
  static final String KEY = "k1";

  static MergePolicy policy(MergeMethod method) {
    MergePolicy policy = new MergePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").build());
    policy.setSpec(
        new MergePolicySpec(
            new LocalReference("base"),
            List.of(new MergeSource("tone", 0.7), new MergeSource("domain", -0.3)),
            method,
            0.5,
            MajoritySign.FREQUENCY,
            8,
            7L,
            new AdapterOutput(
                "merged",
                "s3://adapters",
                new SecretReference("out"),
                new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS))));
    return policy;
  }

  static BaseModel base() throws Exception {
    BaseModel base = FineTuneJobFixtures.tinyBaseModel("ns", "base");
    base.setStatus(
        new ObjectMapper().readValue("{\"digest\": \"sha256:0b\"}", BaseModelStatus.class));
    return base;
  }

  /** The operator's rendering, as the trainer reads it from the mounted ConfigMap. */
  static byte[] rendered(MergeConfig config, MergePolicy policy) {
    return MergeWorkload.configMap(policy, KEY, config)
        .getData()
        .get(MergePolicyResources.CONFIG_KEY)
        .getBytes(UTF_8);
  }

  static MergeConfig written(MergePolicy policy) throws Exception {
    List<MergeConfig.Source> sources =
        List.of(
            new MergeConfig.Source(
                "tone", "s3://adapters/ns/adapters/tone/sha256-aa/", "sha256:aa", 0.7, "/c/a"),
            new MergeConfig.Source(
                "domain", "s3://adapters/ns/adapters/domain/sha256-bb/", "sha256:bb", -0.3, null));
    return MergeConfigs.of(policy, base(), sources, KEY);
  }

  @Test
  void theTrainerReadsEveryFieldTheOperatorWrites() throws Exception {
    MergePolicy policy = policy(MergeMethod.TIES);
    MergeConfig written = written(policy);

    MergeConfig read = MergeJob.parse(rendered(written, policy));

    assertThat(read).isEqualTo(written);
    // Every field is set, so equality covers all of them (null == null would prove nothing).
    assertThat(read.run().directory()).isEqualTo("s3://adapters/ns/mergepolicies/p/k1");
    assertThat(read.baseModel().digest()).isEqualTo("sha256:0b");
    assertThat(read.baseModel().credentialsDir()).isNotBlank();
    assertThat(read.output().versionsUri()).isEqualTo("s3://adapters/ns/adapters/merged");
    assertThat(read.output().credentialsDir()).isNotBlank();
    assertThat(read.sources().get(1).credentialsDir()).isNull();
    MergeSpec spec = MergeJob.spec(read);
    assertThat(spec.density()).isEqualTo(0.5);
    assertThat(spec.majoritySign()).isEqualTo(Combiners.MajoritySign.FREQUENCY);
    assertThat(spec.outputRank()).hasValue(8);
    assertThat(spec.seed()).isEqualTo(7L);
  }

  /** Each method's wire name in the CRD is the engine method the trainer runs. */
  @ParameterizedTest
  @EnumSource(MergeMethod.class)
  void everyMethodReachesTheEngineUnderItsOwnName(MergeMethod method) throws Exception {
    MergePolicy policy = policy(method);
    byte[] json = rendered(written(policy), policy);
    String wireName = new ObjectMapper().readTree(json).path("method").asText();

    MergeSpec spec = MergeJob.spec(MergeJob.parse(json));

    assertThat(spec.method().wireName()).isEqualTo(wireName);
    assertThat(spec.method().name()).isEqualTo(method.name());
  }
}
