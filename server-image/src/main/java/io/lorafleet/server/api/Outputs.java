package io.lorafleet.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.server.scheduling.Sequence;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The two ways a request's output leaves: whole (the worker thread waits for the end) or as
 * server-sent events ({@code data: {chunk}} per increment, then {@code data: [DONE]}), written by
 * the worker thread as the engine produces them. The request is submitted before the response
 * starts, so refusals keep their HTTP status; {@code submitted} ties the sequence to its
 * connection, so a client that goes away cancels it, and the cancellation ends the wait here.
 */
final class Outputs {
  private static final String END = new String("end"); // identity marker, never sent

  /** The full text of a finished request. */
  record Whole(String text, String finishReason, Usage usage) {}

  /** How one API spells its stream chunks. */
  interface ChunkFormat {
    Object first();

    Object text(String delta);

    Object finish(String reason);

    Object usage(Usage usage);
  }

  private Outputs() {}

  static Whole whole(
      Function<InferenceService.Listener, Sequence> submit, Consumer<Sequence> submitted) {
    CompletableFuture<Whole> done = new CompletableFuture<>();
    StringBuilder text = new StringBuilder();
    Sequence seq =
        submit.apply(
            new InferenceService.Listener() {
              @Override
              public void onText(String delta) {
                text.append(delta);
              }

              @Override
              public void onDone(String finishReason, Usage usage) {
                done.complete(new Whole(text.toString(), finishReason, usage));
              }

              @Override
              public void onError(ApiException error) {
                done.completeExceptionally(error);
              }
            });
    submitted.accept(seq);
    try {
      return done.get();
    } catch (InterruptedException e) {
      seq.cancel();
      Thread.currentThread().interrupt();
      throw new ApiException(503, "server_error", "interrupted", null, "interrupted", 1);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof ApiException a ? a : new IllegalStateException(e.getCause());
    }
  }

  static Response stream(
      Function<InferenceService.Listener, Sequence> submit,
      ChunkFormat format,
      boolean includeUsage,
      ObjectMapper json,
      Consumer<Sequence> submitted,
      WorkerAdmission.Ticket ticket) {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    events.add(write(json, format.first()));
    Sequence seq =
        submit.apply(
            new InferenceService.Listener() {
              @Override
              public void onText(String delta) {
                events.add(write(json, format.text(delta)));
              }

              @Override
              public void onDone(String finishReason, Usage usage) {
                events.add(write(json, format.finish(finishReason)));
                if (includeUsage) {
                  events.add(write(json, format.usage(usage)));
                }
                events.add("[DONE]");
                events.add(END);
              }

              @Override
              public void onError(ApiException error) {
                events.add(write(json, error.body()));
                events.add("[DONE]");
                events.add(END);
              }
            });
    submitted.accept(seq);
    StreamingOutput body =
        out -> {
          try (ticket) {
            pump(events, out);
          } catch (IOException | RuntimeException e) {
            seq.cancel(); // the client went away
            throw e;
          } catch (InterruptedException e) {
            seq.cancel();
            Thread.currentThread().interrupt();
          }
        };
    return Response.ok(body)
        .type("text/event-stream")
        .header("Cache-Control", "no-cache")
        .header("X-Accel-Buffering", "no")
        .build();
  }

  private static void pump(BlockingQueue<String> events, OutputStream out)
      throws IOException, InterruptedException {
    while (true) {
      String e = events.take();
      if (e == END) {
        return;
      }
      out.write(("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
      if (events.isEmpty()) {
        out.flush();
      }
    }
  }

  private static String write(ObjectMapper json, Object o) {
    try {
      return json.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
