package io.lorafleet.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template rendered with Jinjava the way transformers renders it: {@code
 * trim_blocks} and {@code lstrip_blocks} on, {@code messages}, {@code add_generation_prompt} and
 * the special tokens of {@code tokenizer_config.json} in scope, and {@code raise_exception} failing
 * the render.
 */
public final class ChatTemplate {
  private static final JsonMapper MAPPER = new JsonMapper();
  private static final Jinjava JINJAVA = jinjava();

  private final String template;
  private final Map<String, Object> specialTokens;

  public ChatTemplate(String template, Map<String, Object> specialTokens) {
    this.template = template;
    this.specialTokens = Map.copyOf(specialTokens);
  }

  /**
   * Reads {@code chat_template} from {@code tokenizer_config.json}, or from {@code
   * chat_template.jinja} (where newer transformers save it), with the special tokens of the config.
   */
  public static ChatTemplate load(Path dir) throws IOException {
    JsonNode cfg = MAPPER.readTree(dir.resolve("tokenizer_config.json").toFile());
    Map<String, Object> tokens = new HashMap<>();
    for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
      JsonNode v = cfg.get(key);
      if (v != null && v.isTextual()) {
        tokens.put(key, v.textValue());
      } else if (v != null && v.isObject() && v.hasNonNull("content")) {
        tokens.put(key, v.get("content").textValue()); // AddedToken form
      }
    }
    JsonNode t = cfg.get("chat_template");
    String template;
    if (t != null && t.isTextual()) {
      template = t.textValue();
    } else if (t != null && t.isArray()) {
      template = namedDefault(t);
    } else if (Files.exists(dir.resolve("chat_template.jinja"))) {
      template = Files.readString(dir.resolve("chat_template.jinja"));
    } else {
      throw new IOException(
          dir + " has no chat_template in tokenizer_config.json or a .jinja file");
    }
    return new ChatTemplate(template, tokens);
  }

  private static String namedDefault(JsonNode list) throws IOException {
    for (JsonNode n : list) {
      if ("default".equals(n.path("name").asText())) {
        return n.path("template").asText();
      }
    }
    throw new IOException("chat_template list has no template named 'default'");
  }

  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    Map<String, Object> ctx = new HashMap<>(specialTokens);
    ctx.put(
        "messages",
        messages.stream()
            .map(
                m -> {
                  Map<String, Object> o = new LinkedHashMap<>();
                  o.put("role", m.role());
                  o.put("content", m.content());
                  return o;
                })
            .toList());
    ctx.put("add_generation_prompt", addGenerationPrompt);
    RenderResult r = JINJAVA.renderForResult(template, ctx);
    for (TemplateError e : r.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException("chat template failed: " + rootMessage(e));
      }
    }
    return r.getOutput();
  }

  /** Jinjava wraps a function's exception; the template author's message is the root cause's. */
  private static String rootMessage(TemplateError e) {
    Throwable t = e.getException();
    if (t == null) {
      return e.getMessage();
    }
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  private static Jinjava jinjava() {
    Jinjava j =
        new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
    j.getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raise", String.class));
    return j;
  }

  /** Templates call {@code raise_exception('...')} to reject a conversation. */
  public static String raise(String message) {
    throw new IllegalArgumentException("chat template: " + message);
  }
}
