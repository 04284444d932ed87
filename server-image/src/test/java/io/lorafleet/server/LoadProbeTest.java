package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every load runs the effect probe: the answer and GET /v1/adapters carry the max logit difference
 * against the base model; an adapter whose output equals the base model's is flagged no_effect.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class LoadProbeTest {
  @TestHTTPResource("/")
  URI url;

  Fixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new Fixture(url);
    fixture.awaitReady();
  }

  @Test
  void aZeroBAdapterIsFlaggedNoEffectAndARandomOneIsNot() throws Exception {
    Path untrained = Files.createDirectories(fixture.root.resolve("untrained"));
    TestAdapterGenerator.writeUntrained(
        TestAdapterGenerator.Spec.simple(4, 8, Fixture.ALL_MODULES, 31),
        fixture.modelConfig,
        untrained);
    String zeroB =
        fixture
            .store
            .push(untrained, S3Uri.parse("s3://lorafleet/test/adapters/untrained"), Map.of())
            .uri()
            .toString();
    HttpResponse<String> loaded = fixture.load("untrained", zeroB, false);
    assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
    JsonNode probe = Fixture.JSON.readTree(loaded.body()).path("probe");
    assertThat(probe.path("max_logit_diff").asDouble(-1)).isEqualTo(0.0);
    assertThat(probe.path("no_effect").asBoolean(false)).isTrue();
    assertThat(probe.path("prompt_tokens").asInt()).isPositive();
    assertThat(listedProbe("untrained").path("no_effect").asBoolean(false)).isTrue();

    String random = fixture.publishAdapter("random", 4, 32);
    JsonNode effect =
        Fixture.JSON.readTree(fixture.load("random", random, false).body()).path("probe");
    System.out.printf(
        "load probe: zero-B diff %s in %s ms, random-B diff %s in %s ms (%d prompt tokens)%n",
        probe.path("max_logit_diff"),
        probe.path("millis"),
        effect.path("max_logit_diff"),
        effect.path("millis"),
        effect.path("prompt_tokens").asInt());
    assertThat(effect.path("no_effect").asBoolean(true)).isFalse();
    assertThat(effect.path("max_logit_diff").asDouble()).isGreaterThan(1e-3);
    assertThat(listedProbe("random").path("max_logit_diff").asDouble())
        .isEqualTo(effect.path("max_logit_diff").asDouble());
    // A repeated load answers already_loaded with the version's probe, not a new one.
    JsonNode again = Fixture.JSON.readTree(fixture.load("random", random, true).body());
    assertThat(again.path("status").asText()).isEqualTo("already_loaded");
    assertThat(again.path("probe").path("max_logit_diff").asDouble())
        .isEqualTo(effect.path("max_logit_diff").asDouble());
  }

  @Test
  void probingANewAdapterDoesNotChangeWhatAnotherLoadedAdapterAnswers() throws Exception {
    String first = fixture.publishAdapter("steady", 4, 41);
    assertThat(fixture.load("steady", first, false).statusCode()).isEqualTo(200);
    String before = greedy("steady");
    String second = fixture.publishAdapter("newcomer", 8, 42);
    assertThat(fixture.load("newcomer", second, false).statusCode()).isEqualTo(200);
    assertThat(greedy("steady")).isEqualTo(before);
  }

  private String greedy(String model) throws Exception {
    HttpResponse<String> r =
        fixture.post("/v1/completions", Fixture.completion(model, "probe me", 6), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Fixture.JSON.readTree(r.body()).path("choices").get(0).path("text").asText();
  }

  private JsonNode listedProbe(String name) throws Exception {
    return fixture.adapters("?name=" + name).path("data").get(0).path("probe");
  }
}
