package io.lorafleet.router.testing;

import java.util.Map;

/** Sums the samples of one Prometheus series whose labels include every given label. */
public final class Prometheus {
  private Prometheus() {}

  public static double sum(String text, String name, Map<String, String> labels) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String series = brace < 0 ? line.substring(0, space) : line.substring(0, brace);
      if (!series.equals(name)) {
        continue;
      }
      String labelText = brace < 0 ? "" : line.substring(brace, line.indexOf('}') + 1);
      boolean all =
          labels.entrySet().stream()
              .allMatch(e -> labelText.contains(e.getKey() + "=\"" + e.getValue() + "\""));
      if (all) {
        total += Double.parseDouble(line.substring(space + 1));
      }
    }
    return total;
  }
}
