package io.lorafleet.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the host build of the kernels ({@code liblorafleet_host.so}) is: the file named by {@value
 * HostDevice#LIBRARY_PROPERTY} when set (the module's own tests), else the copy packaged in this
 * jar, extracted once per process into {@code java.io.tmpdir} (FFM loads files, not resources).
 */
public final class HostLibrary {
  public static final String RESOURCE = "/io/lorafleet/kernels/linux-x86_64/liblorafleet_host.so";

  private static Path extracted;

  private HostLibrary() {}

  /** Why the host build cannot be loaded here, or empty when it can. */
  public static Optional<String> unavailableReason() {
    String property = System.getProperty(HostDevice.LIBRARY_PROPERTY);
    if (property != null) {
      return Files.isRegularFile(Path.of(property))
          ? Optional.empty()
          : Optional.of(HostDevice.LIBRARY_PROPERTY + " names " + property + ", which is no file");
    }
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return Optional.of("the packaged host build is for linux-x86_64, this is " + os + "/" + arch);
    }
    if (HostLibrary.class.getResource(RESOURCE) == null) {
      return Optional.of("this build packaged no host library (" + RESOURCE + " missing)");
    }
    return Optional.empty();
  }

  /** The library's path, extracting the packaged copy on first use. */
  public static synchronized Path path() {
    String property = System.getProperty(HostDevice.LIBRARY_PROPERTY);
    if (property != null) {
      return Path.of(property);
    }
    if (extracted == null) {
      try (InputStream in = HostLibrary.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(unavailableReason().orElse(RESOURCE + " missing"));
        }
        Path file = Files.createTempFile("liblorafleet_host", ".so");
        file.toFile().deleteOnExit();
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        extracted = file;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract " + RESOURCE + " into java.io.tmpdir", e);
      }
    }
    return extracted;
  }
}
