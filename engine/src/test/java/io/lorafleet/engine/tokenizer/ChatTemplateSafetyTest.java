package io.lorafleet.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Message content is data, never template code; and a template (or a conversation) cannot make the
 * render read files, run without end or grow without bound. The timeouts here only stop a hang (the
 * old code looped for minutes); they measure nothing.
 */
class ChatTemplateSafetyTest {
  private static final Duration HANG = Duration.ofSeconds(60);
  private static final String PROBE = "chat-template-include-probe.txt"; // on the test classpath
  private static final ChatTemplate ECHO =
      new ChatTemplate("{% for m in messages %}[{{ m.content }}]{% endfor %}", Map.of());

  private static String echo(String content) {
    return assertTimeoutPreemptively(
        HANG, () -> ECHO.render(List.of(new ChatMessage("user", content)), false));
  }

  @Test
  void anIncludeInAMessageIsRenderedAsItsOwnText() {
    String payload = "{% include '" + PROBE + "' %}";
    assertThat(echo(payload)).isEqualTo("[" + payload + "]").doesNotContain("MUST-NOT-LEAK");
  }

  @Test
  void anExpressionInAMessageIsNotEvaluated() {
    assertThat(echo("{{ 7*7 }}")).isEqualTo("[{{ 7*7 }}]");
    assertThat(echo("{{ raise_exception('x') }}")).isEqualTo("[{{ raise_exception('x') }}]");
  }

  @Test
  void aNestedLoopInAMessageIsRenderedLiterally() {
    String bomb =
        "{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}"
            + "xxxxxxxx{% endfor %}{% endfor %}{% endfor %}";
    assertThat(echo(bomb)).isEqualTo("[" + bomb + "]");
  }

  @Test
  void aTemplateCannotIncludeFiles() {
    ChatTemplate t = new ChatTemplate("a{% include '" + PROBE + "' %}b", Map.of());
    assertThatThrownBy(
            () ->
                assertTimeoutPreemptively(
                    HANG, () -> t.render(List.of(new ChatMessage("user", "x")), false)))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("include")
        .hasMessageNotContaining("MUST-NOT-LEAK");
  }

  @Test
  void aTemplateWhoseOutputIsHugeIsRefused() {
    ChatTemplate t =
        new ChatTemplate(
            "{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}"
                + "xxxxxxxxxxxxxxxx{% endfor %}{% endfor %}{% endfor %}",
            Map.of());
    assertThatThrownBy(
            () ->
                assertTimeoutPreemptively(
                    HANG, () -> t.render(List.of(new ChatMessage("user", "x")), false)))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("characters");
  }

  @Test
  void aTemplateThatLoopsWithoutOutputIsStoppedAtTheTimeLimit() {
    ChatTemplate t =
        new ChatTemplate(
            "{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}"
                + "{% endfor %}{% endfor %}{% endfor %}done",
            Map.of(), ChatTemplate.Limits.defaults().withTimeout(Duration.ofMillis(300)));
    assertThatThrownBy(
            () ->
                assertTimeoutPreemptively(
                    HANG, () -> t.render(List.of(new ChatMessage("user", "x")), false)))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("time limit");
  }
}
