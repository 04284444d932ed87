package io.lorafleet.server.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Admission by worker threads: every inference request holds a worker thread until its answer is
 * written (whole answers wait, streams are written from it), so once the pool is nearly full new
 * requests are refused at once with 429 and {@code Retry-After}, keeping {@link #RESERVE} threads
 * for health, metrics, the admin API and the refusals themselves. Without it the 200 default
 * workers filled before the 256-request waiting queue did, and further requests just hung.
 */
@ApplicationScoped
public class WorkerAdmission {
  /** Worker threads never taken by inference requests. */
  static final int RESERVE = 16;

  private final int limit;
  private final AtomicInteger inFlight = new AtomicInteger();

  WorkerAdmission(
      @ConfigProperty(name = "quarkus.thread-pool.max-threads") Optional<Integer> maxThreads) {
    // Quarkus' default: max(200, 8 x cores).
    int threads = maxThreads.orElse(Math.max(200, 8 * Runtime.getRuntime().availableProcessors()));
    this.limit = Math.max(1, threads - RESERVE);
  }

  /** One admitted request; {@link #close()} (idempotent) when its worker thread is released. */
  public final class Ticket implements AutoCloseable {
    private final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        inFlight.decrementAndGet();
      }
    }
  }

  public Ticket enter() {
    if (inFlight.incrementAndGet() > limit) {
      inFlight.decrementAndGet();
      throw new ApiException(
          429,
          "rate_limit_error",
          "overloaded",
          null,
          "the server has " + limit + " requests in flight; retry later",
          1);
    }
    return new Ticket();
  }

  /**
   * Runs {@code respond} holding a ticket: a whole answer releases it on return, a stream (a {@link
   * StreamingOutput} entity) closes it itself once written.
   */
  public Response admit(Function<Ticket, Response> respond) {
    Ticket ticket = enter();
    boolean streaming = false;
    try {
      Response response = respond.apply(ticket);
      streaming = response.getEntity() instanceof StreamingOutput;
      return response;
    } finally {
      if (!streaming) {
        ticket.close();
      }
    }
  }

  public int inFlight() {
    return inFlight.get();
  }
}
