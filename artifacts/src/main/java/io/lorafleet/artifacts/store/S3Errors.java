package io.lorafleet.artifacts.store;

import io.lorafleet.artifacts.store.ObjectStoreException.Kind;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.ServerException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.security.cert.CertificateException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

/**
 * Classifies MinIO SDK failures. Only network trouble, throttling and 5xx are transient; 403, 404
 * and everything the server rejected on purpose are permanent and must not be retried.
 */
final class S3Errors {
  private static final Set<String> NOT_FOUND = Set.of("NoSuchKey", "NoSuchBucket", "NoSuchUpload");
  private static final Set<String> DENIED =
      Set.of("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled");
  private static final Set<String> TRANSIENT_CODES =
      Set.of("InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeout", "Throttling");

  private S3Errors() {}

  static ObjectStoreException classify(String what, Throwable e) {
    if (e instanceof ObjectStoreException o) {
      return o;
    }
    if ((e instanceof ExecutionException || e instanceof CompletionException)
        && e.getCause() != null) {
      return classify(what, e.getCause()); // the async client wraps its failures
    }
    if (e instanceof ErrorResponseException er) {
      int status = er.response() == null ? 0 : er.response().code();
      String code = er.errorResponse() == null ? "" : er.errorResponse().code();
      String msg = what + ": " + code + " (HTTP " + status + ")";
      if (status == 404 || NOT_FOUND.contains(code)) {
        return new ObjectStoreException(Kind.NOT_FOUND, msg, e);
      }
      if (status == 403 || DENIED.contains(code)) {
        return new ObjectStoreException(Kind.ACCESS_DENIED, msg, e);
      }
      boolean retry = status >= 500 || status == 429 || TRANSIENT_CODES.contains(code);
      return new ObjectStoreException(retry ? Kind.TRANSIENT : Kind.PERMANENT, msg, e);
    }
    if (e instanceof ServerException se) {
      return new ObjectStoreException(
          Kind.TRANSIENT, what + ": server error (HTTP " + se.statusCode() + ")", e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException || t instanceof CertificateException) {
        // An untrusted or mismatched certificate will not fix itself on retry.
        return new ObjectStoreException(
            Kind.PERMANENT, what + ": TLS failure: " + t.getMessage(), e);
      }
      if (t instanceof FileSystemException) {
        return new ObjectStoreException(Kind.PERMANENT, what + ": " + t.getMessage(), e);
      }
      if (t instanceof IOException) {
        return new ObjectStoreException(
            Kind.TRANSIENT, what + ": " + t.getClass().getSimpleName() + ": " + t.getMessage(), e);
      }
    }
    return new ObjectStoreException(Kind.PERMANENT, what + ": " + e, e);
  }
}
