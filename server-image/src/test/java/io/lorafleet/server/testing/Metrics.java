package io.lorafleet.server.testing;

import java.util.Map;

/** Reads samples out of the Prometheus text format. */
final class Metrics {
  private Metrics() {}

  static double sum(String text, String name, Map<String, String> labels) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String metric = brace > 0 ? line.substring(0, brace) : line.substring(0, Math.max(0, space));
      if (!metric.equals(name)) {
        continue;
      }
      String labelText = brace > 0 ? line.substring(brace, line.indexOf('}') + 1) : "";
      boolean match = true;
      for (Map.Entry<String, String> e : labels.entrySet()) {
        if (!labelText.contains(e.getKey() + "=\"" + e.getValue() + "\"")) {
          match = false;
          break;
        }
      }
      if (match) {
        sum += Double.parseDouble(line.substring(space + 1));
      }
    }
    return sum;
  }
}
