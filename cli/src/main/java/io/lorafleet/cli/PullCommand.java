package io.lorafleet.cli;

import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "pull",
    description =
        "Download a version (or the latest under a prefix) into DIR, verifying every sha256.")
final class PullCommand implements Callable<Integer> {
  @ParentCommand Lorafleet root;

  @Parameters(index = "0", paramLabel = "s3://BUCKET/PREFIX[/sha256-DIGEST]")
  String source;

  @Parameters(index = "1", paramLabel = "DIR")
  Path dir;

  @Mixin StoreOptions store;

  @Override
  public Integer call() throws Exception {
    try (StoreOptions.Opened opened = store.open(root.env)) {
      PublishedVersion v = opened.artifacts().pull(S3Uri.parse(source), dir);
      root.out()
          .printf(
              "%s%ndigest sha256-%s verified, %d files, %s into %s%n",
              v.uri(),
              v.digest(),
              v.manifest().files().size(),
              Inspector.human(v.manifest().totalSize()),
              dir);
      return 0;
    }
  }
}
