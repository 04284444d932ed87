package io.lorafleet.artifacts.store;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A model directory uploaded as is (for example with {@code aws s3 sync}), without a manifest. Its
 * identity is the sha256 of its listing (relative key, size, modification time per object), so the
 * operator, the trainer and the server name the same upload with the same digest, and a re-upload
 * gets a new one.
 */
public final class PlainDirectory {
  private PlainDirectory() {}

  /** Hex sha256 of the listing of {@code objects}, keys relative to {@code prefix}. */
  public static String listingDigest(List<ObjectInfo> objects, String prefix) {
    StringBuilder listing = new StringBuilder();
    for (ObjectInfo object : objects) {
      listing
          .append(object.key().substring(prefix.length()))
          .append('\t')
          .append(object.size())
          .append('\t')
          .append(object.lastModified())
          .append('\n');
    }
    return Sha256.hex(listing.toString().getBytes(StandardCharsets.UTF_8));
  }
}
