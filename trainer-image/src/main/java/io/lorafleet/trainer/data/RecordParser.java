package io.lorafleet.trainer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.engine.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * One JSONL line to a {@link DatasetRecord}. Fields other than the format's own are ignored
 * (datasets often carry ids and metadata); a missing, non-string or blank completion, or a chat
 * without a non-blank assistant message, is invalid.
 */
public final class RecordParser {
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final DatasetFormat format;

  public RecordParser(DatasetFormat format) {
    this.format = format;
  }

  public DatasetRecord parse(String line) throws InvalidRecordException {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new InvalidRecordException("invalid JSON (" + jsonProblem(e) + ")");
    }
    if (node == null || !node.isObject()) {
      throw new InvalidRecordException("not a JSON object");
    }
    return switch (format) {
      case PROMPT_COMPLETION -> promptCompletion(node);
      case CHAT -> chat(node);
    };
  }

  /** Jackson's message without its source excerpt and location. */
  static String jsonProblem(JsonProcessingException e) {
    String m = String.valueOf(e.getOriginalMessage());
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    m = m.replaceAll("\\s*\\(start marker at .*$", "").replaceAll("\\s*at \\[Source.*$", "");
    return m + " at column " + e.getLocation().getColumnNr();
  }

  private static DatasetRecord promptCompletion(JsonNode node) throws InvalidRecordException {
    JsonNode prompt = node.get("prompt");
    JsonNode completion = node.get("completion");
    if (prompt == null || prompt.isNull()) {
      throw new InvalidRecordException("missing \"prompt\"");
    }
    if (!prompt.isTextual()) {
      throw new InvalidRecordException("\"prompt\" is not a string");
    }
    if (completion == null || completion.isNull()) {
      throw new InvalidRecordException("missing \"completion\"");
    }
    if (!completion.isTextual()) {
      throw new InvalidRecordException("\"completion\" is not a string");
    }
    if (completion.textValue().isBlank()) {
      throw new InvalidRecordException("empty \"completion\"");
    }
    return new DatasetRecord.PromptCompletion(prompt.textValue(), completion.textValue());
  }

  private static DatasetRecord chat(JsonNode node) throws InvalidRecordException {
    JsonNode messages = node.get("messages");
    if (messages == null || messages.isNull()) {
      throw new InvalidRecordException("missing \"messages\"");
    }
    if (!messages.isArray() || messages.isEmpty()) {
      throw new InvalidRecordException("\"messages\" is not a non-empty list");
    }
    List<ChatMessage> out = new ArrayList<>();
    boolean assistant = false;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (!m.isObject() || role == null || !role.isTextual() || role.textValue().isBlank()) {
        throw new InvalidRecordException("messages[" + i + "] has no \"role\" string");
      }
      if (content == null || !content.isTextual()) {
        throw new InvalidRecordException("messages[" + i + "] has no \"content\" string");
      }
      if (role.textValue().equals("assistant")) {
        if (content.textValue().isBlank()) {
          throw new InvalidRecordException("messages[" + i + "] is an empty assistant message");
        }
        assistant = true;
      }
      out.add(new ChatMessage(role.textValue(), content.textValue()));
    }
    if (!assistant) {
      throw new InvalidRecordException("no assistant message (nothing to train on)");
    }
    return new DatasetRecord.Chat(out);
  }
}
