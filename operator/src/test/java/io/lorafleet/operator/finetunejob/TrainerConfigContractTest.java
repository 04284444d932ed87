package io.lorafleet.operator.finetunejob;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatus;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.trainer.config.ConfigReader;
import org.junit.jupiter.api.Test;

/**
 * trainer.json: what the operator renders into the trainer Job's ConfigMap ({@link
 * TrainerWorkload#configMap}) is what the trainer reads ({@link ConfigReader#parse}), field for
 * field; the trainer only adds the schema defaults where the spec left a field out.
 */
class TrainerConfigContractTest {
  @Test
  void theTrainerReadsEveryFieldTheOperatorWrites() throws Exception {
    FineTuneJob job = FineTuneJobFixtures.fineTuneJob("ns", "tune", FineTuneJobFixtures.spec());
    job.getMetadata().setUid("uid-1");
    BaseModel base = FineTuneJobFixtures.tinyBaseModel("ns", "base");
    base.setStatus(
        new ObjectMapper().readValue("{\"digest\": \"sha256:0b\"}", BaseModelStatus.class));
    TrainerConfig written = TrainerConfigs.of(job, base);
    byte[] rendered =
        TrainerWorkload.configMap(job, base)
            .getData()
            .get(FineTuneJobResources.CONFIG_KEY)
            .getBytes(UTF_8);

    TrainerConfig read = ConfigReader.parse(rendered, FineTuneJobResources.CONFIG_KEY);

    assertThat(read).usingRecursiveComparison().ignoringExpectedNullFields().isEqualTo(written);
    assertThat(read.run()).isEqualTo(written.run());
    assertThat(read.baseModel()).isEqualTo(written.baseModel());
    assertThat(read.output()).isEqualTo(written.output());
    assertThat(read.lora()).isEqualTo(written.lora());
    assertThat(read.dataset()).isEqualTo(written.dataset());
    assertThat(read.run().uid()).isEqualTo("uid-1");
    assertThat(read.baseModel().digest()).isEqualTo("sha256:0b");
  }
}
