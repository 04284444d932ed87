package io.lorafleet.server.model;

/** The default served name of a model: the last path segment that is not a version directory. */
final class ModelNames {
  private ModelNames() {}

  static String derive(String source) {
    String[] parts = source.replace('\\', '/').split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      String p = parts[i];
      if (!p.isEmpty() && !p.startsWith("sha256-") && !p.endsWith(":")) {
        return p;
      }
    }
    return "base";
  }
}
