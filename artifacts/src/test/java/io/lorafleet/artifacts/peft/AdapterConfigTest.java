package io.lorafleet.artifacts.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.artifacts.Fixtures;
import io.lorafleet.artifacts.hf.LinearModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdapterConfigTest {

  static AdapterConfig parse(String json) {
    return AdapterConfigParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void realPeftConfigParses() throws IOException {
    AdapterConfig c =
        AdapterConfigParser.read(Fixtures.tinyLlamaPeft().resolve("adapter_config.json"));
    assertThat(c.r()).isEqualTo(8);
    assertThat(c.loraAlpha()).isEqualTo(32);
    assertThat(c.targetModules())
        .isEqualTo(new ModuleSelector.Names(java.util.List.of("v_proj", "q_proj")));
    assertThat(c.bias()).isEqualTo("none");
    assertThat(c.useRslora()).isFalse();
    assertThat(c.baseModelNameOrPath()).isEmpty();
    assertThat(c.loraDropout()).isEqualTo(0.05);
    assertThat(c.unsupportedFeatures()).isEmpty();
    assertThat(c.targets(LinearModule.Q_PROJ, 21)).isTrue();
    assertThat(c.targets(LinearModule.K_PROJ, 0)).isFalse();
    assertThat(c.scaleFor("model.layers.0.self_attn.q_proj", 8)).isEqualTo(4.0);
  }

  @Test
  void writerEmitsEveryKeyPeftWrote() throws IOException {
    byte[] real = Files.readAllBytes(Fixtures.tinyLlamaPeft().resolve("adapter_config.json"));
    AdapterConfig c = AdapterConfigParser.parse(real);
    ObjectMapper m = new ObjectMapper();
    JsonNode ours = m.readTree(PeftAdapterWriter.configJson(c));
    JsonNode theirs = m.readTree(real);
    Set<String> ourKeys = new HashSet<>();
    ours.fieldNames().forEachRemaining(ourKeys::add);
    Set<String> theirKeys = new HashSet<>();
    theirs.fieldNames().forEachRemaining(theirKeys::add);
    assertThat(ourKeys).isEqualTo(theirKeys);
    for (String k : theirKeys) {
      if (!k.equals("target_modules") && !k.equals("lora_dropout")) {
        assertThat(ours.get(k)).as(k).isEqualTo(theirs.get(k));
      }
    }
    assertThat(AdapterConfigParser.parse(PeftAdapterWriter.configJson(c))).isEqualTo(c);
  }

  @Test
  void patternsAndRsloraFollowPeft() {
    AdapterConfig c =
        parse(
            """
            {"peft_type":"LORA","r":8,"lora_alpha":16,"use_rslora":true,
             "target_modules":"model\\\\.layers\\\\.\\\\d+\\\\.(self_attn\\\\.(q|v)_proj|mlp\\\\.down_proj)",
             "rank_pattern":{"q_proj":16,"layers.0.self_attn.v_proj":4},
             "alpha_pattern":{"down_proj":64},"layers_to_transform":[0,1]}
            """);
    assertThat(c.targets(LinearModule.Q_PROJ, 1)).isTrue();
    assertThat(c.targets(LinearModule.DOWN_PROJ, 0)).isTrue();
    assertThat(c.targets(LinearModule.K_PROJ, 0)).as("regex excludes k_proj").isFalse();
    assertThat(c.targets(LinearModule.Q_PROJ, 2)).as("layers_to_transform").isFalse();
    assertThat(c.rankFor("model.layers.5.self_attn.q_proj")).isEqualTo(16);
    assertThat(c.rankFor("model.layers.0.self_attn.v_proj")).isEqualTo(4);
    assertThat(c.rankFor("model.layers.10.self_attn.v_proj"))
        .as("key anchors at a dot")
        .isEqualTo(8);
    assertThat(c.scaleFor("model.layers.0.mlp.down_proj", 16)).isEqualTo(64 / 4.0);
    assertThat(c.scaleFor("model.layers.0.self_attn.q_proj", 16)).isEqualTo(16 / 4.0);
  }

  @Test
  void allLinearAndExcludeModules() {
    AdapterConfig c =
        parse(
            "{\"peft_type\":\"LORA\",\"target_modules\":\"all-linear\","
                + "\"exclude_modules\":[\"o_proj\"]}");
    assertThat(c.targets(LinearModule.GATE_PROJ, 3)).isTrue();
    assertThat(c.targets(LinearModule.O_PROJ, 3)).isFalse();
    assertThat(c.targets(LinearModule.LM_HEAD, -1)).isFalse();
  }

  @Test
  void refusedFeaturesAreListedWithReasons() {
    AdapterConfig c =
        parse(
            "{\"peft_type\":\"LORA\",\"target_modules\":[\"q_proj\"],\"use_dora\":true,"
                + "\"modules_to_save\":[\"lm_head\"],\"bias\":\"lora_only\","
                + "\"layer_replication\":[[0,4]]}");
    assertThat(c.unsupportedFeatures())
        .containsExactly(
            "use_dora=true (DoRA) is not supported",
            "modules_to_save [lm_head] (full fine-tuned modules) is not supported",
            "bias=\"lora_only\" is not supported (only \"none\")",
            "layer_replication is not supported");
  }

  @Test
  void malformedConfigsAreRejectedSpecifically() {
    assertThatThrownBy(() -> parse("{\"target_modules\":[\"q_proj\"]}"))
        .isInstanceOf(AdapterConfigException.class)
        .hasMessage("adapter_config.json: peft_type must be \"LORA\", found null");
    assertThatThrownBy(() -> parse("{\"peft_type\":\"LORA\"}"))
        .hasMessage("adapter_config.json: 'target_modules' is required");
    assertThatThrownBy(() -> parse("{\"peft_type\":\"LORA\",\"target_modules\":\"(q\"}"))
        .hasMessageContaining("'target_modules' holds an invalid regular expression");
    assertThatThrownBy(() -> parse("{\"peft_type\":\"LORA\",\"target_modules\":[\"q\"],\"r\":0}"))
        .hasMessageContaining("'r' must be an integer >= 1, found 0");
    assertThatThrownBy(
            () -> parse("{\"peft_type\":\"LORA\",\"target_modules\":[\"q\"],\"bias\":\"some\"}"))
        .hasMessageContaining("'bias' must be one of none, all, lora_only");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"peft_type\":\"LORA\",\"target_modules\":[\"q\"],"
                        + "\"rank_pattern\":{\"q\":\"8\"}}"))
        .hasMessageContaining("'rank_pattern.q' must be an integer >= 1");
    assertThatThrownBy(() -> parse("{\"peft_type\":\"LORA\",\"target_modules\":[]}"))
        .hasMessageContaining("'target_modules' must not be empty");
    assertThatThrownBy(() -> parse("[]")).hasMessageContaining("must be a JSON object");
  }

  @Test
  void catastrophicBacktrackingInAUserRegexFailsInsteadOfHanging() {
    AdapterConfig c = parse("{\"peft_type\":\"LORA\",\"target_modules\":\"(([a-z_.0-9]+)+)+x\"}");
    long start = System.nanoTime();
    assertThatThrownBy(() -> c.targets(LinearModule.Q_PROJ, 3))
        .isInstanceOf(AdapterConfigException.class)
        .hasMessageContaining("too expensive to match");
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }
}
