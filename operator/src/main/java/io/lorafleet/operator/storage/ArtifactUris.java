package io.lorafleet.operator.storage;

import io.lorafleet.artifacts.store.InvalidS3UriException;
import io.lorafleet.artifacts.store.S3Uri;

/** The {@code s3://} URI of a spec's artifact source (a model or an adapter). */
final class ArtifactUris {
  private ArtifactUris() {}

  /** A malformed URI is the user's to fix: INVALID_CONTENT, with what is wrong with it. */
  static S3Uri parse(String uri) throws StorageFailure {
    try {
      return S3Uri.parse(uri);
    } catch (InvalidS3UriException e) {
      throw new StorageFailure(StorageProblem.INVALID_CONTENT, e.getMessage());
    }
  }
}
