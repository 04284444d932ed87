package io.lorafleet.operator.basemodel;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * The hash of the spec the operator last wrote, kept as an annotation on the object. {@link
 * AdditionsOnly} tolerates every field the stored object has beyond the desired one (the server's
 * defaults), so a field the operator stops setting (a GPU request removed from the BaseModel, an
 * environment variable no longer wanted) would never be taken away; a changed hash says the desired
 * spec itself changed.
 */
final class AppliedSpec {
  static final String ANNOTATION = "lorafleet.io/applied-spec";
  private static final ObjectMapper JSON = new ObjectMapper();

  private AppliedSpec() {}

  /** {@code desired} with the hash of its spec as built. */
  static <T extends HasMetadata> T stamp(T desired) {
    Map<String, String> annotations = new HashMap<>();
    if (desired.getMetadata().getAnnotations() != null) {
      annotations.putAll(desired.getMetadata().getAnnotations());
    }
    annotations.put(ANNOTATION, hashOfSpec(desired));
    desired.getMetadata().setAnnotations(annotations);
    return desired;
  }

  /** Whether {@code actual} was last written from the spec {@code desired} has now. */
  static boolean same(HasMetadata desired, HasMetadata actual) {
    return Objects.equals(annotation(desired), annotation(actual));
  }

  private static String annotation(HasMetadata resource) {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ANNOTATION);
  }

  private static String hashOfSpec(HasMetadata desired) {
    try {
      byte[] spec =
          JSON.writeValueAsString(JSON.valueToTree(desired).path("spec"))
              .getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spec));
    } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot hash the desired spec", e);
    }
  }
}
