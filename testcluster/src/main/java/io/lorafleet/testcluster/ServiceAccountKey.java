package io.lorafleet.testcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The RSA key the API server signs service-account tokens with (and verifies them by), and the
 * controller manager signs legacy token Secrets with: a PKCS#8 PEM file.
 */
final class ServiceAccountKey {
  private ServiceAccountKey() {}

  static Path write(Path file) throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      byte[] pkcs8 = generator.generateKeyPair().getPrivate().getEncoded();
      String pem =
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8)
              + "\n-----END PRIVATE KEY-----\n";
      Files.writeString(file, pem);
      return file;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no RSA", e);
    }
  }
}
