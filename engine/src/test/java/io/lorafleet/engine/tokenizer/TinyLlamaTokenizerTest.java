package io.lorafleet.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TinyLlama (Llama-2 SentencePiece-converted BPE) tokenizer and its Zephyr-style chat template
 * from {@code ../shared/fixtures/tinyllama-peft}. Expected ids come from that file's own
 * vocabulary: the normalizer prepends {@code ▁} and turns spaces into {@code ▁}, whole words are
 * single vocabulary entries ({@code ▁Hello} = 15043, {@code ▁world} = 3186), digits are separate
 * pieces, characters outside the vocabulary fall back to byte tokens {@code <0xXX>} = 3 + byte, and
 * the post-processor puts {@code <s>} = 1 first. The test checks every id against the vocabulary in
 * tokenizer.json, so each listed id is explained by the piece next to it.
 */
class TinyLlamaTokenizerTest {
  private static final Path FIXTURE =
      Path.of(
              System.getProperty("lorafleet.root", "."),
              "..",
              "shared",
              "fixtures",
              "tinyllama-peft")
          .normalize();

  private static HfTokenizer tokenizer;
  private static JsonNode vocab;

  // Checked per test (not in @BeforeAll) so that each skipped test is reported with the reason.
  @BeforeEach
  void load() throws Exception {
    assumeTrue(
        Files.exists(FIXTURE.resolve("tokenizer.json")),
        "SKIPPED: the TinyLlama fixture is not at " + FIXTURE + " (../shared is absent)");
    if (tokenizer == null) {
      tokenizer = HfTokenizer.load(FIXTURE);
      vocab =
          new JsonMapper().readTree(FIXTURE.resolve("tokenizer.json").toFile()).at("/model/vocab");
    }
  }

  @AfterAll
  static void close() {
    if (tokenizer != null) {
      tokenizer.close();
    }
  }

  /** Asserts the ids and that each id is the vocabulary entry of the piece beside it. */
  private static void assertEncodes(String text, int[] ids, String... pieces) {
    assertThat(tokenizer.encode(text, true)).as("ids of %s", text).containsExactly(ids);
    assertThat(pieces).hasSize(ids.length);
    for (int i = 0; i < ids.length; i++) {
      if (pieces[i].equals("<s>") || pieces[i].equals("</s>")) {
        assertThat(ids[i]).isEqualTo(pieces[i].equals("<s>") ? 1 : 2); // added tokens 1 and 2
      } else {
        assertThat(vocab.get(pieces[i])).as("vocab entry of %s", pieces[i]).isNotNull();
        assertThat(vocab.get(pieces[i]).asInt()).as("id of %s", pieces[i]).isEqualTo(ids[i]);
      }
    }
  }

  @Test
  void wordsPunctuationDigitsSpacesAndByteFallback() {
    assertEncodes("Hello world", new int[] {1, 15043, 3186}, "<s>", "▁Hello", "▁world");
    assertEncodes(
        "Hello, world!",
        new int[] {1, 15043, 29892, 3186, 29991},
        "<s>",
        "▁Hello",
        ",",
        "▁world",
        "!");
    // Llama-2 has no multi-digit tokens: "▁" then one piece per digit.
    assertEncodes("123", new int[] {1, 29871, 29896, 29906, 29941}, "<s>", "▁", "1", "2", "3");
    // Two leading spaces become "▁▁" (the prepended one plus the replaced first space).
    assertEncodes("  two spaces", new int[] {1, 259, 1023, 8162}, "<s>", "▁▁", "▁two", "▁spaces");
    assertEncodes("café", new int[] {1, 274, 28059}, "<s>", "▁c", "afé");
    // U+1F999 is not in the vocabulary: its UTF-8 bytes F0 9F A6 99 become <0xF0>.. = 3 + byte.
    assertEncodes(
        "🦙",
        new int[] {1, 29871, 243, 162, 169, 156},
        "<s>",
        "▁",
        "<0xF0>",
        "<0x9F>",
        "<0xA6>",
        "<0x99>");
    assertThat(tokenizer.encode("Hello world", false)).containsExactly(15043, 3186);
  }

  @Test
  void decodingInvertsEncoding() {
    for (String s : List.of("Hello, world!", "🦙 café 123", "  two spaces")) {
      assertThat(tokenizer.decode(tokenizer.encode(s, true), true)).isEqualTo(s);
    }
  }

  @Test
  void chatTemplateRendersZephyrTurnsAndEncodes() throws Exception {
    ChatTemplate template = ChatTemplate.load(FIXTURE);
    // trim_blocks/lstrip_blocks remove the template's own newlines after {% %} tags; the
    // newline inside each '<|role|>\n' literal and the one after each {{ }} stay.
    assertThat(
            template.render(
                List.of(
                    new ChatMessage("system", "You are a bot."),
                    new ChatMessage("user", "Hi"),
                    new ChatMessage("assistant", "Hello!"),
                    new ChatMessage("user", "Bye")),
                false))
        .isEqualTo(
            "<|system|>\nYou are a bot.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n"
                + "<|user|>\nBye</s>\n");
    String prompt = template.render(List.of(new ChatMessage("user", "Hi")), true);
    assertThat(prompt).isEqualTo("<|user|>\nHi</s>\n<|assistant|>\n");
    // "<|user|>" is plain text here (not an added token); "</s>" is the added token 2, which
    // splits the text, and the normalizer prepends "▁" to each side again.
    assertEncodes(
        prompt,
        new int[] {
          1, 529, 29989, 1792, 29989, 29958, 13, 18567, 2, 29871, 13, 29966, 29989, 465, 22137,
          29989, 29958, 13
        },
        "<s>",
        "▁<",
        "|",
        "user",
        "|",
        ">",
        "<0x0A>",
        "Hi",
        "</s>",
        "▁",
        "<0x0A>",
        "<",
        "|",
        "ass",
        "istant",
        "|",
        ">",
        "<0x0A>");
  }
}
