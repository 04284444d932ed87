package io.lorafleet.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template rendered with Jinjava the way transformers renders it: {@code
 * trim_blocks} and {@code lstrip_blocks} on, {@code messages}, {@code add_generation_prompt} and
 * the special tokens of {@code tokenizer_config.json} in scope, and {@code raise_exception} failing
 * the render.
 *
 * <p>Conversations come from clients, so the render is locked down: message content is data
 * (Jinjava's nested interpretation, on by default, would otherwise run {@code {{ }}} and {@code {%
 * %}} found in a value as template code), {@code include}/{@code import}/{@code extends} can read
 * nothing, and the output size and the render time are bounded ({@link Limits}).
 */
public final class ChatTemplate {
  private static final JsonMapper MAPPER = new JsonMapper();

  /**
   * Bounds of one render: output characters (Jinjava stops the render when they are passed), range
   * length, and wall-clock time (the render runs on its own virtual thread, interrupted at the
   * limit; Jinjava checks the interrupt before every node).
   */
  public record Limits(long maxOutputChars, int maxRange, Duration timeout) {
    public static Limits defaults() {
      return new Limits(4_000_000, 10_000, Duration.ofSeconds(2));
    }

    public Limits withTimeout(Duration t) {
      return new Limits(maxOutputChars, maxRange, t);
    }

    public Limits withMaxOutputChars(long chars) {
      return new Limits(chars, maxRange, timeout);
    }
  }

  private final String template;
  private final Map<String, Object> specialTokens;
  private final Limits limits;
  private final Jinjava jinjava;

  public ChatTemplate(String template, Map<String, Object> specialTokens) {
    this(template, specialTokens, Limits.defaults());
  }

  public ChatTemplate(String template, Map<String, Object> specialTokens, Limits limits) {
    this.template = template;
    this.specialTokens = Map.copyOf(specialTokens);
    this.limits = limits;
    this.jinjava = jinjava(limits);
  }

  public Limits limits() {
    return limits;
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
    RenderResult r = renderWithin(ctx);
    for (TemplateError e : r.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException("chat template failed: " + rootMessage(e));
      }
    }
    return r.getOutput();
  }

  /**
   * Renders on a virtual thread and waits at most the time limit; past it the render is interrupted
   * (it stops at its next node) and the caller gets a refusal instead of a pinned thread.
   */
  private RenderResult renderWithin(Map<String, Object> ctx) {
    RenderResult[] result = new RenderResult[1];
    RuntimeException[] failure = new RuntimeException[1];
    Thread t =
        Thread.ofVirtual()
            .name("chat-template")
            .start(
                () -> {
                  try {
                    result[0] = jinjava.renderForResult(template, ctx);
                  } catch (OutputTooBigException e) {
                    failure[0] = tooBig();
                  } catch (RuntimeException e) {
                    failure[0] = e;
                  }
                });
    try {
      if (!t.join(limits.timeout())) {
        t.interrupt();
        throw new ChatTemplateException(
            "chat template rendering exceeded its time limit of "
                + limits.timeout().toMillis()
                + " ms");
      }
    } catch (InterruptedException e) {
      t.interrupt();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while rendering the chat template", e);
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    for (TemplateError e : result[0].getErrors()) {
      if (e.getException() instanceof OutputTooBigException
          || (e.getMessage() != null && e.getMessage().contains("OutputTooBig"))) {
        throw tooBig();
      }
    }
    return result[0];
  }

  private ChatTemplateException tooBig() {
    return new ChatTemplateException(
        "the rendered conversation exceeds " + limits.maxOutputChars() + " characters");
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

  private static Jinjava jinjava(Limits limits) {
    Jinjava j =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withNestedInterpretationEnabled(false) // message content is data, never code
                .withMaxOutputSize(limits.maxOutputChars())
                .withMaxStringLength(limits.maxOutputChars())
                .withRangeLimit(limits.maxRange())
                .build());
    j.setResourceLocator(ChatTemplate::noFiles);
    j.getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raise", String.class));
    return j;
  }

  /** A chat template stands alone: include, import and extends may read nothing. */
  private static String noFiles(String name, Charset encoding, JinjavaInterpreter interpreter)
      throws IOException {
    throw new IOException("a chat template cannot include, import or extend other files");
  }

  /** Templates call {@code raise_exception('...')} to reject a conversation. */
  public static String raise(String message) {
    throw new ChatTemplateException("chat template: " + message);
  }
}
