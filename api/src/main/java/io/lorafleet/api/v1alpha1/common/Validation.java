package io.lorafleet.api.v1alpha1.common;

/**
 * Record components carry no rules of their own: an annotation on a component reaches both the
 * field and the accessor, and the CRD generator would emit the rule twice. Rules sit on the
 * enclosing record with a fieldPath instead.
 *
 * <p>Every string a rule matches has a maxLength: the API server estimates a rule's cost from the
 * largest value the schema allows and refuses CRDs whose rules could cost too much.
 *
 * <p>CEL rules and messages shared by several kinds. Rules use standard CEL only (no Kubernetes
 * library functions) so that any CEL implementation evaluates them the same way.
 */
public final class Validation {
  /** RFC 1123 label: what Kubernetes accepts as a Service name, a label value and a DNS name. */
  public static final String DNS_LABEL_REGEX = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  public static final String DNS_LABEL_MAX = "63";

  /** CEL literal of {@link #DNS_LABEL_REGEX}, for rules like self.name.matches(...). */
  public static final String DNS_LABEL_PATTERN = "'" + DNS_LABEL_REGEX + "'";

  public static final String DNS_LABEL_MESSAGE =
      "must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', starting and ending"
          + " with a letter or digit";

  public static final String METADATA_NAME_RULE =
      "self.metadata.name.size() <= "
          + DNS_LABEL_MAX
          + " && self.metadata.name.matches('"
          + DNS_LABEL_REGEX
          + "')";

  public static final String METADATA_NAME_MESSAGE = "metadata.name " + DNS_LABEL_MESSAGE;

  /** An S3 URI: scheme, a valid bucket name, an optional key prefix. */
  public static final String S3_URI_PATTERN = "'^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$'";

  public static final String S3_URI_MESSAGE =
      "uri must start with s3:// followed by a bucket name (3-63 lowercase letters, digits, '.'"
          + " or '-') and an optional /prefix, e.g. s3://models/llama-3-8b";

  public static final String DIGEST_REGEX = "^sha256:[a-f0-9]{64}$";

  public static final String DIGEST_PATTERN = "'" + DIGEST_REGEX + "'";

  public static final String DIGEST_MESSAGE =
      "digest must be 'sha256:' followed by 64 lowercase hex digits";

  /** NaN and infinities fail every comparison but these, so this is the finiteness test. */
  public static final String FINITE_MIN = "-1.0e300";

  public static final String FINITE_MAX = "1.0e300";

  private Validation() {}
}
