package io.lorafleet.server;

import io.lorafleet.server.config.ServeCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Map;
import sun.misc.Signal;

/**
 * Entry point: {@code java -jar quarkus-run.jar serve --model ...}. The flags become configuration
 * properties (system properties, set before Quarkus reads its configuration), then the server runs
 * until SIGTERM/SIGINT, which drains running requests first.
 *
 * <p>SIGTERM is how Kubernetes stops a pod, so a stop on SIGTERM exits 0 rather than the JVM's
 * default 143: the handler calls {@code System.exit(0)}, which runs the same shutdown hooks (the
 * engine stops admitting, Quarkus waits for the requests in flight, the engine drains).
 */
@QuarkusMain
public final class ServerMain {
  ServerMain() {}

  public static void main(String... args) {
    if (args.length > 0 && (args[args.length - 1].equals("--help") || args[0].equals("--help"))) {
      System.out.println(ServeCommand.usage());
      return;
    }
    Map<String, String> props;
    try {
      props = ServeCommand.properties(args);
    } catch (ServeCommand.UsageException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    props.forEach(System::setProperty);
    Signal.handle(new Signal("TERM"), signal -> System.exit(0));
    Quarkus.run(Serve.class, args);
  }

  /** Runs until the process is asked to stop. */
  public static final class Serve implements QuarkusApplication {
    @Override
    public int run(String... args) {
      Quarkus.waitForExit();
      return 0;
    }
  }
}
