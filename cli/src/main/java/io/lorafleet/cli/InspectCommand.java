package io.lorafleet.cli;

import io.lorafleet.artifacts.compat.CompatibilityReport;
import io.lorafleet.artifacts.store.S3Uri;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "inspect",
    description =
        "Show what an adapter or model is (architecture, shapes, rank, target modules, parameter"
            + " count, size, digest); with --base, check that an adapter fits a base model."
            + " Exit code 3 when it does not.")
final class InspectCommand implements Callable<Integer> {
  static final int INCOMPATIBLE = 3;

  @ParentCommand Lorafleet root;

  @Parameters(paramLabel = "PATH|s3://...", description = "a local directory or a version URI")
  String target;

  @Option(names = "--base", paramLabel = "PATH|s3://...", description = "base model to check")
  String base;

  @Option(names = "--max-rank", defaultValue = "64", description = "largest rank allowed")
  int maxRank;

  @Mixin StoreOptions store;

  @Override
  public Integer call() throws Exception {
    boolean remote = S3Uri.isS3(target) || (base != null && S3Uri.isS3(base));
    try (StoreOptions.Opened opened = remote ? store.open(root.env) : null) {
      ArtifactView v = view(target, opened);
      Optional<ArtifactView> b = base == null ? Optional.empty() : Optional.of(view(base, opened));
      Optional<CompatibilityReport> r = new Inspector(root.out()).inspect(v, b, maxRank);
      return r.isPresent() && !r.get().compatible() ? INCOMPATIBLE : 0;
    }
  }

  private static ArtifactView view(String where, StoreOptions.Opened opened) throws Exception {
    if (S3Uri.isS3(where)) {
      return new RemoteArtifactView(
          opened.artifacts(), opened.artifacts().manifest(S3Uri.parse(where)));
    }
    Path dir = Path.of(where);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(where + " is not a directory");
    }
    return new LocalArtifactView(dir);
  }
}
