package io.lorafleet.bench.routing;

import java.util.HashMap;
import java.util.Map;

/**
 * Sums samples of the Prometheus text format: {@code name{label="value",...} number}. Enough for
 * the counters the bench reads from the pods and the router (label values here never hold commas,
 * quotes or braces).
 */
final class PrometheusText {
  private PrometheusText() {}

  /** The sum of every sample named {@code name} whose labels include all of {@code labels}. */
  static double sum(String text, String name, Map<String, String> labels) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String sample =
          brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
      if (!sample.equals(name)) {
        continue;
      }
      Map<String, String> have =
          brace >= 0 && brace < space
              ? labels(line.substring(brace + 1, line.lastIndexOf('}', space)))
              : Map.of();
      if (have.entrySet().containsAll(labels.entrySet())) {
        total += Double.parseDouble(line.substring(space + 1).trim());
      }
    }
    return total;
  }

  private static Map<String, String> labels(String inside) {
    Map<String, String> out = new HashMap<>();
    for (String pair : inside.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        String value = pair.substring(eq + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        out.put(pair.substring(0, eq).trim(), value);
      }
    }
    return out;
  }
}
