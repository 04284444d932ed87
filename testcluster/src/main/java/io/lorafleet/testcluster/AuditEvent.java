package io.lorafleet.testcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One request as kube-apiserver's audit log (JSON lines, Metadata level) records it. {@code
 * namespace} is empty for a cluster-scoped request or one across all namespaces; {@code resource}
 * is empty for a non-resource URL such as /version. {@code authorization} is the authorizer's
 * decision ({@code allow} or {@code forbid}; empty when none was recorded): a 403 after {@code
 * allow} is not a permission problem (e.g. a create in a namespace being terminated).
 */
public record AuditEvent(
    String user,
    String verb,
    String apiGroup,
    String resource,
    String subresource,
    String namespace,
    String requestUri,
    String userAgent,
    int code,
    String authorization) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every event in the log file, oldest first. */
  public static List<AuditEvent> read(Path log) {
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> !l.isBlank()).map(AuditEvent::parse).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static AuditEvent parse(String line) {
    try {
      JsonNode event = JSON.readTree(line);
      JsonNode ref = event.path("objectRef");
      return new AuditEvent(
          event.path("user").path("username").asText(),
          event.path("verb").asText(),
          ref.path("apiGroup").asText(),
          ref.path("resource").asText(),
          ref.path("subresource").asText(),
          ref.path("namespace").asText(),
          event.path("requestURI").asText(),
          event.path("userAgent").asText(),
          event.path("responseStatus").path("code").asInt(0),
          event.path("annotations").path("authorization.k8s.io/decision").asText(""));
    } catch (IOException e) {
      throw new UncheckedIOException("not an audit event: " + line, e);
    }
  }

  /** Refused for want of a permission: unauthenticated, or forbidden by the authorizer. */
  public boolean deniedByAuthorization() {
    return code == 401 || (code == 403 && !"allow".equals(authorization));
  }

  /** "group/resource[/subresource]", the core group written as "" (so "/pods"). */
  public String groupResource() {
    return apiGroup + "/" + resource + (subresource.isEmpty() ? "" : "/" + subresource);
  }
}
