package io.lorafleet.operator.storage;

/** Why object storage could not be used, independent of the resource kind that asked. */
public enum StorageProblem {
  CREDENTIALS_SECRET_NOT_FOUND,
  OBJECT_STORE_NOT_CONFIGURED,
  /** The endpoint is not in the operator's allow-list (lorafleet.operator.allowed-s3-endpoints). */
  ENDPOINT_NOT_ALLOWED,
  NOT_FOUND,
  ACCESS_DENIED,
  DIGEST_MISMATCH,
  INVALID_CONTENT
}
