package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.WeightPrecision;
import io.lorafleet.operator.testing.TestOperatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code spec.precision} reaches the builtin server as {@code --precision}; absent, no flag. */
class ServingWorkloadPrecisionTest {
  private static final Path ROOT = Path.of(System.getProperty("lorafleet.root", ".."));

  @Test
  void int8InTheSpecBecomesTheServersPrecisionFlag() throws Exception {
    String yaml = Files.readString(ROOT.resolve("examples/walkthrough/01-basemodel.yaml"));
    BaseModel plain = Serialization.unmarshal(yaml, BaseModel.class);
    assertThat(ServingWorkload.builtinArgs(plain, new TestOperatorConfig()))
        .doesNotContain("--precision");

    BaseModel int8 =
        Serialization.unmarshal(
            yaml.replaceFirst("(?m)^spec:\\n", "spec:\n  precision: int8\n"), BaseModel.class);
    assertThat(int8.getSpec().precision()).isEqualTo(WeightPrecision.INT8);
    assertThat(String.join(" ", ServingWorkload.builtinArgs(int8, new TestOperatorConfig())))
        .contains("--precision INT8");
  }
}
