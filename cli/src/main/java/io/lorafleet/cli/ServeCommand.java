package io.lorafleet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lorafleet serve ...}: the multi-LoRA server in the foreground, flags passed through. */
@Command(
    name = "serve",
    description =
        "Run the multi-LoRA server (OpenAI-compatible API, vLLM-compatible adapter admin API):"
            + " serve --model DIR|s3://... [--port 8000] [--adapter name=path ...]"
            + " [--admin-token-file FILE] ... (docs/server.md lists every flag).")
final class ServeCommand implements Callable<Integer> {
  @Parameters(description = "The server's flags, passed through unchanged.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Process server = new ProcessBuilder(ServerProcess.command(args)).inheritIO().start();
    // Ctrl-C reaches the server too (same process group); on any other exit, stop it cleanly.
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    return server.waitFor();
  }
}
