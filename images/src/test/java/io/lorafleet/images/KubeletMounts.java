package io.lorafleet.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.stream.Stream;

/**
 * Files as the kubelet mounts Secrets and volumes for a pod with {@code fsGroup}: owned by root,
 * group {@code fsGroup}, readable by that group and nobody else. A container user that is not in
 * the group (no {@code --group-add}) cannot read them.
 */
final class KubeletMounts {
  static final int FS_GROUP = 2000;

  private KubeletMounts() {}

  static void rootOwnedGroupReadable(Path dir) throws IOException {
    UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
    GroupPrincipal group = lookup.lookupPrincipalByGroupName(Integer.toString(FS_GROUP));
    List<Path> all;
    try (Stream<Path> walk = Files.walk(dir)) {
      all = walk.toList();
    }
    for (Path p : all) {
      PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
      view.setOwner(lookup.lookupPrincipalByName("0"));
      view.setGroup(group);
      view.setPermissions(
          PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-x---" : "rw-r-----"));
    }
  }
}
