package io.lorafleet.testcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A user of the API server's static token file (--token-auth-file): the test admin and the control
 * plane's own components. Workloads authenticate with service-account tokens instead.
 */
record StaticIdentity(String user, List<String> groups, String token) {
  private static final SecureRandom RANDOM = new SecureRandom();

  static StaticIdentity of(String user, String... groups) {
    byte[] secret = new byte[24];
    RANDOM.nextBytes(secret);
    return new StaticIdentity(user, List.of(groups), HexFormat.of().formatHex(secret));
  }

  /** One line of the token file: token,user,uid,"group1,group2". */
  private String line() {
    return token + "," + user + "," + user + ",\"" + String.join(",", groups) + "\"";
  }

  static Path writeTokenFile(Path file, List<StaticIdentity> identities) throws IOException {
    Files.writeString(
        file,
        identities.stream().map(StaticIdentity::line).collect(Collectors.joining("\n", "", "\n")));
    return file;
  }

  /** A kubeconfig for a control plane component that trusts the API server's serving CA. */
  Path writeKubeconfig(Path file, String server, Path caFile) throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: %s
            certificate-authority: %s
        users:
        - name: %s
          user:
            token: %s
        contexts:
        - name: test
          context:
            cluster: test
            user: %s
        current-context: test
        """
            .formatted(server, caFile, user, token, user));
    return file;
  }
}
