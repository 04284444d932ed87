package io.lorafleet.engine.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Chooses the backend at start-up among the {@link BackendProvider}s on the class path: a name
 * picks that provider (and fails with its reason when it cannot run here); {@code auto} takes the
 * available provider with the highest {@link BackendProvider#autoPriority()}. Either way the choice
 * and its reason are logged in one line.
 */
public final class Backends {
  public static final String AUTO = "auto";

  /**
   * System property that, when set, replaces {@code auto} in every request of this process (e.g.
   * {@code -Dlorafleet.backend=host-device}: how CI runs the server's and trainer's suites through
   * the device code path). A backend named explicitly is not overridden.
   */
  public static final String OVERRIDE_PROPERTY = "lorafleet.backend";

  private static final System.Logger LOG = System.getLogger(Backends.class.getName());

  private Backends() {}

  /** The providers on the class path, by name. */
  public static List<BackendProvider> providers() {
    List<BackendProvider> all = new ArrayList<>();
    ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(all::add);
    return all;
  }

  /** Opens the backend {@code requested} names ({@code auto}, {@code cpu}, ...). */
  public static BackendChoice select(String requested, BackendOptions options) {
    String override = System.getProperty(OVERRIDE_PROPERTY);
    BackendChoice c;
    if (isAuto(requested) && override != null && !override.isBlank() && !isAuto(override)) {
      BackendChoice named = select(override, options, providers());
      c =
          new BackendChoice(
              named.backend(),
              named.provider(),
              AUTO,
              "auto replaced by -D" + OVERRIDE_PROPERTY + "=" + override.trim());
    } else {
      c = select(requested, options, providers());
    }
    LOG.log(
        System.Logger.Level.INFO,
        "backend {0} ({1}), requested {2}: {3}",
        c.provider(),
        c.backend().name(),
        c.requested(),
        c.reason());
    return c;
  }

  private static boolean isAuto(String requested) {
    return requested == null || requested.isBlank() || requested.trim().equals(AUTO);
  }

  static BackendChoice select(
      String requested, BackendOptions options, List<BackendProvider> providers) {
    String name = isAuto(requested) ? AUTO : requested.trim();
    if (name.equals(AUTO)) {
      return auto(options, providers);
    }
    BackendProvider p =
        providers.stream()
            .filter(x -> x.name().equals(name))
            .findFirst()
            .orElseThrow(
                () ->
                    new BackendUnavailableException(
                        "unknown backend '"
                            + name
                            + "': expected "
                            + AUTO
                            + " or one of "
                            + String.join(
                                ", ",
                                providers.stream().map(BackendProvider::name).sorted().toList())));
    Optional<String> why = p.unavailableReason();
    if (why.isPresent()) {
      throw new BackendUnavailableException(
          "backend " + name + " was requested but cannot run here: " + why.get());
    }
    return new BackendChoice(p.open(options), p.name(), name, "requested by name");
  }

  private static BackendChoice auto(BackendOptions options, List<BackendProvider> providers) {
    List<BackendProvider> candidates =
        providers.stream()
            .filter(p -> p.autoPriority() >= 0)
            .sorted(Comparator.comparingInt(BackendProvider::autoPriority).reversed())
            .toList();
    List<String> skipped = new ArrayList<>();
    for (BackendProvider p : candidates) {
      Optional<String> why = p.unavailableReason();
      if (why.isEmpty()) {
        String reason =
            skipped.isEmpty()
                ? "auto: the first available of " + names(candidates)
                : "auto: " + String.join("; ", skipped);
        return new BackendChoice(p.open(options), p.name(), AUTO, reason);
      }
      skipped.add(p.name() + " unavailable (" + why.get() + ")");
    }
    throw new BackendUnavailableException(
        "no backend can run here: "
            + (skipped.isEmpty() ? "no provider on the class path" : String.join("; ", skipped)));
  }

  private static String names(List<BackendProvider> providers) {
    return providers.stream().map(BackendProvider::name).collect(Collectors.joining(", "));
  }
}
