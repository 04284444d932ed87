package io.lorafleet.cli;

import io.lorafleet.artifacts.ArtifactFormatException;
import io.lorafleet.artifacts.store.ObjectStoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code lorafleet} command. */
@Command(
    name = "lorafleet",
    mixinStandardHelpOptions = true,
    version = "lorafleet 0.1.0-SNAPSHOT",
    description =
        "LoRA adapters on Kubernetes: inspect, push, pull and merge artifacts; train and serve"
            + " locally; the local demo.",
    subcommands = {
      InspectCommand.class,
      PushCommand.class,
      PullCommand.class,
      MergeCommand.class,
      QualityCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      ServeCommand.class,
      DemoCommand.class
    })
public final class Lorafleet implements Runnable {
  final Map<String, String> env;

  @Spec CommandSpec spec;

  public Lorafleet(Map<String, String> env) {
    this.env = env;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A command line whose expected failures print one clear line instead of a stack trace. */
  public static CommandLine commandLine(Map<String, String> env) {
    CommandLine cl = new CommandLine(new Lorafleet(env));
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof ArtifactFormatException
              || e instanceof ObjectStoreException
              || e instanceof IOException
              || e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return 1;
          }
          throw e;
        });
    return cl;
  }

  public static void main(String[] args) {
    // The library logs through System.Logger (JUL by default): one line, warnings only.
    System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s - %5$s%6$s%n");
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    System.exit(commandLine(System.getenv()).execute(args));
  }
}
