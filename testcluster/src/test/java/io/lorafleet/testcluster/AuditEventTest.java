package io.lorafleet.testcluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which refusals in the audit log are a missing permission. */
class AuditEventTest {
  private static String line(int code, String decision) {
    return "{\"verb\":\"create\",\"user\":{\"username\":\"system:serviceaccount:s:op\"},"
        + "\"objectRef\":{\"resource\":\"events\",\"namespace\":\"t\"},"
        + "\"responseStatus\":{\"code\":"
        + code
        + "},\"annotations\":{\"authorization.k8s.io/decision\":\""
        + decision
        + "\"}}";
  }

  @Test
  void aForbiddenCreateTheAuthorizerAllowedIsNotAPermissionProblem() {
    // kube-apiserver's answer to a create in a namespace being terminated: 403 after "allow".
    AuditEvent terminating = AuditEvent.parse(line(403, "allow"));
    assertThat(terminating.code()).isEqualTo(403);
    assertThat(terminating.authorization()).isEqualTo("allow");
    assertThat(terminating.deniedByAuthorization()).isFalse();
    assertThat(AuditEvent.parse(line(403, "forbid")).deniedByAuthorization()).isTrue();
    assertThat(AuditEvent.parse(line(401, "")).deniedByAuthorization()).isTrue();
    assertThat(AuditEvent.parse(line(201, "allow")).deniedByAuthorization()).isFalse();
  }
}
