package io.lorafleet.testcluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Waits for each control plane process to serve, failing early when one exits. */
final class Readiness {
  private static final Duration POLL = Duration.ofMillis(100);

  private Readiness() {}

  static void awaitHttpOk(ManagedProcess process, String url, Instant deadline) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    await(process, url, deadline, () -> ok(http, url, null));
  }

  /** Waits for the serving certificate, then for /readyz to answer 200 to the admin. */
  static void awaitApiServer(
      ManagedProcess process, String url, Path caFile, String token, Instant deadline) {
    // Read until it parses: the file may be caught half written.
    SSLContext[] trusted = new SSLContext[1];
    await(
        process,
        caFile + " to be written",
        deadline,
        () -> (trusted[0] = trusting(caFile)) != null);
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .sslContext(trusted[0])
            .build();
    await(process, url, deadline, () -> ok(http, url, token));
  }

  static void awaitDefaultServiceAccount(
      KubernetesClient admin, List<ManagedProcess> processes, Instant deadline) {
    while (true) {
      processes.forEach(ManagedProcess::checkAlive);
      try {
        if (admin.serviceAccounts().inNamespace("default").withName("default").get() != null) {
          return;
        }
      } catch (KubernetesClientException e) {
        // The API server may still refuse while its post-start hooks finish.
      }
      sleepUntil(deadline, "the controller manager to create the default ServiceAccount");
    }
  }

  private static void await(
      ManagedProcess process, String what, Instant deadline, BooleanSupplier ready) {
    while (!ready.getAsBoolean()) {
      process.checkAlive();
      sleepUntil(deadline, what + " (log: " + process.log() + ")");
    }
  }

  private static boolean ok(HttpClient http, String url, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + url, e);
    }
  }

  private static void sleepUntil(Instant deadline, String what) {
    if (Instant.now().isAfter(deadline)) {
      throw new IllegalStateException("timed out waiting for " + what);
    }
    try {
      Thread.sleep(POLL);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    }
  }

  /** A TLS context that trusts the certificates of a PEM file, or null while it cannot be read. */
  private static SSLContext trusting(Path pemFile) {
    if (!Files.isReadable(pemFile)) {
      return null;
    }
    try (InputStream in = Files.newInputStream(pemFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
      if (i == 0) {
        return null;
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      return null;
    }
  }
}
