package io.lorafleet.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The command line as configuration: drain deadline and object-store adapter roots. */
class ServeCommandTest {
  @Test
  void quarkusWaitsForTheDrainPlusTheWriteGraceNotASecondDrain() {
    assertThat(ServeCommand.properties(Map.of(), "serve", "--model", "m", "--drain-timeout", "3s"))
        .containsEntry("lorafleet.server.drain-timeout", "3s")
        .containsEntry("quarkus.shutdown.timeout", "5000ms");
    assertThat(ServeCommand.properties(Map.of(), "--model", "m"))
        .as("default: 25 s + 2 s, inside Kubernetes' default 30 s grace period")
        .containsEntry("quarkus.shutdown.timeout", "27000ms");
    assertThat(
            ServeCommand.properties(
                Map.of("LORAFLEET_SERVER_DRAIN_TIMEOUT", "PT10S"), "--model", "m"))
        .containsEntry("quarkus.shutdown.timeout", "12000ms");
    assertThatThrownBy(
            () -> ServeCommand.properties(Map.of(), "--model", "m", "--drain-timeout", "soon"))
        .isInstanceOf(ServeCommand.UsageException.class)
        .hasMessageContaining("--drain-timeout");
  }

  @Test
  void adapterS3RootsAreRepeatable() {
    assertThat(
            ServeCommand.properties(
                Map.of(),
                "--model",
                "m",
                "--adapter-s3-root",
                "s3://a/x",
                "--adapter-s3-root=s3://b/y"))
        .containsEntry("lorafleet.server.adapter-s3-roots", "s3://a/x,s3://b/y");
  }

  @Test
  void everyServerSettingHasAFlag() {
    Map<String, String> props =
        ServeCommand.properties(
            Map.of(),
            "--model=m",
            "--served-model-name=n",
            "--max-loaded=1",
            "--max-cached=1",
            "--max-rank=1",
            "--admin-token-file=f",
            "--inference-token-file=f",
            "--cache-dir=d",
            "--precision=int8",
            "--threads=1",
            "--backend=cpu",
            "--kv-cache-tokens=1",
            "--kv-block-size=1",
            "--max-running=1",
            "--max-batch-tokens=1",
            "--max-prefill-tokens-while-decoding=1",
            "--max-waiting=1",
            "--default-max-tokens=1",
            "--drain-timeout=1s",
            "--body-read-timeout=1s",
            "--adapter=a=p",
            "--require-adapter=a",
            "--adapter-root=r",
            "--adapter-s3-root=s3://b");
    Set<String> settings =
        Arrays.stream(ServerConfig.class.getDeclaredMethods())
            .map(Method::getName)
            .map(name -> "lorafleet.server." + name.replaceAll("([A-Z])", "-$1").toLowerCase())
            .collect(Collectors.toSet());
    assertThat(props.keySet()).containsAll(settings);
  }

  @Test
  void aBadCommandLineSaysWhatIsWrongAndHowToCallIt() {
    assertThatThrownBy(() -> ServeCommand.properties(Map.of(), "--port", "8000"))
        .isInstanceOf(ServeCommand.UsageException.class)
        .hasMessageContaining("--model")
        .hasMessageContaining("Usage: serve");
    assertThatThrownBy(() -> ServeCommand.properties(Map.of(), "--model", "m", "--max-lodaed", "4"))
        .isInstanceOf(ServeCommand.UsageException.class)
        .hasMessageContaining("--max-lodaed");
    assertThatThrownBy(() -> ServeCommand.properties(Map.of(), "--model", "m", "--threads", "two"))
        .isInstanceOf(ServeCommand.UsageException.class)
        .hasMessageContaining("--threads")
        .hasMessageContaining("two");
  }

  @Test
  void aFlagNotGivenSetsNothingSoEnvironmentVariablesStillApply() {
    assertThat(ServeCommand.properties(Map.of(), "serve", "--model", "m").keySet())
        .containsExactlyInAnyOrder("lorafleet.server.model", "quarkus.shutdown.timeout");
  }
}
