package io.lorafleet.cli;

import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "push",
    description =
        "Publish a directory as an immutable version s3://.../sha256-<digest>/ and print its URI.")
final class PushCommand implements Callable<Integer> {
  @ParentCommand Lorafleet root;

  @Parameters(index = "0", paramLabel = "DIR")
  Path dir;

  @Parameters(index = "1", paramLabel = "s3://BUCKET/PREFIX")
  String dest;

  @Option(
      names = "--lineage",
      paramLabel = "KEY=VALUE",
      description = "recorded in manifest.json, e.g. --lineage baseModel=sha256-...")
  Map<String, String> lineage = new LinkedHashMap<>();

  @Mixin StoreOptions store;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is not a directory");
    }
    try (StoreOptions.Opened opened = store.open(root.env)) {
      PublishedVersion v = opened.artifacts().push(dir, S3Uri.parse(dest), lineage);
      root.out()
          .printf(
              "%s%ndigest sha256-%s, %d files, %s%n",
              v.uri(),
              v.digest(),
              v.manifest().files().size(),
              Inspector.human(v.manifest().totalSize()));
      return 0;
    }
  }
}
