package io.lorafleet.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.engine.tokenizer.ChatMessage;
import org.junit.jupiter.api.Test;

class RecordParserTest {
  final RecordParser pc = new RecordParser(DatasetFormat.PROMPT_COMPLETION);
  final RecordParser chat = new RecordParser(DatasetFormat.CHAT);

  @Test
  void promptCompletionRecordsIgnoreExtraFields() throws Exception {
    assertThat(pc.parse("{\"id\": 3, \"prompt\": \"a\", \"completion\": \"b\"}"))
        .isEqualTo(new DatasetRecord.PromptCompletion("a", "b"));
  }

  @Test
  void invalidJsonIsDescribedShortlyWithoutTheRecord() {
    assertThatThrownBy(() -> pc.parse("{\"prompt\": \"secret\", \"completion\": \"x\""))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(
            "invalid JSON (Unexpected end-of-input: expected close marker for Object at column 39)");
    assertThatThrownBy(() -> pc.parse("[1, 2]")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> pc.parse("{\"prompt\": \"a\"} {}"))
        .hasMessageStartingWith("invalid JSON");
  }

  @Test
  void missingEmptyOrNonStringFieldsAreInvalid() {
    assertThatThrownBy(() -> pc.parse("{\"prompt\": \"a\"}")).hasMessage("missing \"completion\"");
    assertThatThrownBy(() -> pc.parse("{\"completion\": \"a\"}")).hasMessage("missing \"prompt\"");
    assertThatThrownBy(() -> pc.parse("{\"prompt\": \"a\", \"completion\": \" \\n\"}"))
        .hasMessage("empty \"completion\"");
    assertThatThrownBy(() -> pc.parse("{\"prompt\": \"a\", \"completion\": 5}"))
        .hasMessage("\"completion\" is not a string");
  }

  @Test
  void chatRecordsNeedAnAssistantMessage() throws Exception {
    assertThat(
            chat.parse(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"},"
                    + " {\"role\": \"assistant\", \"content\": \"yo\"}]}"))
        .isEqualTo(
            new DatasetRecord.Chat(
                java.util.List.of(
                    new ChatMessage("user", "hi"), new ChatMessage("assistant", "yo"))));
    assertThatThrownBy(
            () -> chat.parse("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
        .hasMessage("no assistant message (nothing to train on)");
    assertThatThrownBy(
            () -> chat.parse("{\"messages\": [{\"role\": \"assistant\", \"content\": \"\"}]}"))
        .hasMessage("messages[0] is an empty assistant message");
    assertThatThrownBy(() -> chat.parse("{\"messages\": [{\"content\": \"x\"}]}"))
        .hasMessage("messages[0] has no \"role\" string");
    assertThatThrownBy(() -> chat.parse("{\"messages\": []}"))
        .hasMessage("\"messages\" is not a non-empty list");
  }
}
