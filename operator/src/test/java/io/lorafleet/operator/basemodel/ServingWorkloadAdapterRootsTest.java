package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.TestOperatorConfig;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The operator's adapter S3 roots reach the builtin server as {@code --adapter-s3-root}, so the
 * pod's admin API loads object-store versions only from there.
 */
class ServingWorkloadAdapterRootsTest {
  private static final Path ROOT = Path.of(System.getProperty("lorafleet.root", ".."));

  @Test
  void everyConfiguredRootBecomesAFlagOfTheBuiltinServer() throws Exception {
    BaseModel base = base();
    OperatorConfig defaults = new TestOperatorConfig();
    OperatorConfig confined =
        (OperatorConfig)
            Proxy.newProxyInstance(
                OperatorConfig.class.getClassLoader(),
                new Class<?>[] {OperatorConfig.class},
                (proxy, method, a) ->
                    method.getName().equals("adapterS3Roots")
                        ? Optional.of(List.of("s3://adapters/team-a", "s3://lorafleet/imported"))
                        : method.invoke(defaults, a));
    List<String> args = ServingWorkload.builtinArgs(base, confined);
    assertThat(String.join(" ", args))
        .contains(
            "--adapter-s3-root s3://adapters/team-a --adapter-s3-root s3://lorafleet/imported");
    assertThat(ServingWorkload.builtinArgs(base, new TestOperatorConfig()))
        .doesNotContain("--adapter-s3-root");
  }

  private static BaseModel base() throws Exception {
    BaseModel base =
        Serialization.unmarshal(
            Files.readString(ROOT.resolve("examples/walkthrough/01-basemodel.yaml")),
            BaseModel.class);
    base.getMetadata().setNamespace("team-a");
    return base;
  }
}
