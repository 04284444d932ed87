package io.lorafleet.artifacts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minio.errors.ErrorResponseException;
import io.minio.messages.ErrorResponse;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class RetrierTest {
  final List<Duration> sleeps = new ArrayList<>();
  final Retrier retrier =
      new Retrier(new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(250)), sleeps::add);

  static ErrorResponseException s3Error(int status, String code) {
    Response r =
        new Response.Builder()
            .request(new Request.Builder().url("http://127.0.0.1/b/k").build())
            .protocol(Protocol.HTTP_1_1)
            .code(status)
            .message(code)
            .build();
    return new ErrorResponseException(
        new ErrorResponse(code, code, "b", "k", "/b/k", "req", "host"), r, "");
  }

  @Test
  void transientFailuresAreRetriedWithCappedExponentialBackoff() {
    AtomicInteger calls = new AtomicInteger();
    String result =
        retrier.call(
            "op",
            () -> {
              if (calls.incrementAndGet() < 4) {
                throw calls.get() == 2 ? s3Error(503, "SlowDown") : new ConnectException("refused");
              }
              return "ok";
            });
    assertThat(result).isEqualTo("ok");
    assertThat(calls).hasValue(4);
    assertThat(sleeps)
        .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(250));
  }

  @Test
  void attemptsAreBounded() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                retrier.call(
                    "op",
                    () -> {
                      calls.incrementAndGet();
                      throw new ConnectException("refused");
                    }))
        .isInstanceOf(ObjectStoreException.class)
        .satisfies(e -> assertThat(((ObjectStoreException) e).isTransient()).isTrue());
    assertThat(calls).hasValue(4);
  }

  @Test
  void forbiddenNotFoundAndDigestMismatchAreNotRetried() {
    for (Exception e :
        List.of(
            s3Error(403, "AccessDenied"),
            s3Error(404, "NoSuchKey"),
            new DigestMismatchException("bad"))) {
      AtomicInteger calls = new AtomicInteger();
      assertThatThrownBy(
              () ->
                  retrier.call(
                      "op",
                      () -> {
                        calls.incrementAndGet();
                        throw e;
                      }))
          .isInstanceOf(ObjectStoreException.class);
      assertThat(calls).as(e.toString()).hasValue(1);
    }
    assertThat(sleeps).isEmpty();
    assertThat(S3Errors.classify("x", s3Error(403, "AccessDenied")).kind())
        .isEqualTo(ObjectStoreException.Kind.ACCESS_DENIED);
    assertThat(S3Errors.classify("x", s3Error(404, "NoSuchBucket")).kind())
        .isEqualTo(ObjectStoreException.Kind.NOT_FOUND);
    assertThat(S3Errors.classify("x", s3Error(400, "InvalidArgument")).kind())
        .isEqualTo(ObjectStoreException.Kind.PERMANENT);
  }
}
