package io.lorafleet.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Template behaviour that needs no fixture files. */
class ChatTemplateTest {
  @Test
  void raiseExceptionInATemplateFailsTheRender() {
    ChatTemplate t =
        new ChatTemplate(
            "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first turn must be user')"
                + " }}{% endif %}ok",
            java.util.Map.of());
    assertThat(t.render(List.of(new ChatMessage("user", "x")), false)).isEqualTo("ok");
    assertThatThrownBy(() -> t.render(List.of(new ChatMessage("system", "x")), false))
        .hasMessageContaining("first turn must be user");
  }

  @Test
  void blockTagsEatTheirNewlineAndIndentationAsInTransformers() {
    ChatTemplate t =
        new ChatTemplate(
            "{% for m in messages %}\n  {% if m.role == 'user' %}\nU:{{ m.content }}\n"
                + "  {% endif %}\n{% endfor %}",
            java.util.Map.of());
    assertThat(t.render(List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), false))
        .isEqualTo("U:a\nU:b\n");
  }
}
