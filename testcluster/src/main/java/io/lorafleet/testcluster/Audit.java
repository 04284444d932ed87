package io.lorafleet.testcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which requests kube-apiserver writes to an audit log: those of users in {@code userGroups} (for a
 * ServiceAccount, {@code system:serviceaccounts:<namespace>}), at Metadata level (verb, resource,
 * namespace, user, user agent, response code; no bodies), as JSON lines in {@code log} (replaced at
 * each start). Other requests are not audited, so the cost stays negligible.
 */
public record Audit(Path log, List<String> userGroups) {
  public Audit {
    if (userGroups.isEmpty()) {
      throw new IllegalArgumentException("an audit needs at least one user group");
    }
    userGroups = List.copyOf(userGroups);
  }

  /** The API server's flags for this audit; writes its policy file into {@code dir}. */
  List<String> apiServerFlags(Path dir) throws IOException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.deleteIfExists(log); // one control plane's requests only
    Path policy =
        Files.writeString(
            dir.resolve("audit-policy.yaml"),
            """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            # One event when a response starts (a watch) and one when it completes.
            omitStages: ["RequestReceived"]
            rules:
            - level: Metadata
              userGroups: [%s]
            - level: None
            """
                .formatted(
                    userGroups.stream()
                        .map(g -> "\"" + g + "\"")
                        .collect(Collectors.joining(", "))));
    return List.of(
        "--audit-policy-file=" + policy,
        "--audit-log-path=" + log.toAbsolutePath(),
        "--audit-log-format=json",
        // Each event is written before its response is sent: a test reading the log after its
        // requests sees them all.
        "--audit-log-mode=blocking");
  }
}
