package io.lorafleet.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** {@code stop}: null, one string or up to 4 strings (OpenAI's limit), none empty. */
final class StopStrings {
  private StopStrings() {}

  static List<String> parse(JsonNode stop) {
    List<String> out = new ArrayList<>();
    if (stop == null || stop.isNull()) {
      return out;
    }
    if (stop.isTextual()) {
      out.add(stop.textValue());
    } else if (stop.isArray()) {
      for (JsonNode n : stop) {
        if (!n.isTextual()) {
          throw ApiException.invalid("stop", "stop must be a string or a list of strings");
        }
        out.add(n.textValue());
      }
    } else {
      throw ApiException.invalid("stop", "stop must be a string or a list of strings");
    }
    if (out.size() > 4 || out.stream().anyMatch(String::isEmpty)) {
      throw ApiException.invalid("stop", "stop takes up to 4 non-empty strings");
    }
    return out;
  }
}
