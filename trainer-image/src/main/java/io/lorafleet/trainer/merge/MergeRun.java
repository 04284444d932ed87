package io.lorafleet.trainer.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.run.StoreFailures;
import io.lorafleet.trainer.storage.Places;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Merge mode: merge.json ({@link MergeConfig}, schema 1) run by {@link MergeJob}, which pulls every
 * source by its pinned digest, merges, publishes and writes result.json. This class adds what a
 * process needs: object-store clients for each URI's credentialsDir (local paths work too), exit
 * codes, and the termination message.
 *
 * <p>Exit codes: 0 merged; 2 when the config is unreadable or the merge is refused ({@code
 * InvalidMerge}: bad method parameters, a source that is not its pinned digest); 1 for any other
 * failure ({@code MergeError}, which includes an unreachable object store, so it is retried).
 */
public final class MergeRun {
  private static final System.Logger LOG = System.getLogger(MergeRun.class.getName());
  private static final JsonMapper JSON = new JsonMapper();

  private final Map<String, String> env;
  private final Path workRoot;
  private final TerminationMessage termination;

  public MergeRun(Map<String, String> env, Path workRoot, TerminationMessage termination) {
    this.env = Map.copyOf(env);
    this.workRoot = workRoot;
    this.termination = termination;
  }

  public int run(Path configFile) {
    try (Places places = new Places(env)) {
      byte[] bytes = read(configFile);
      JsonNode raw = tree(bytes, configFile);
      BucketRouter router = new BucketRouter();
      JsonNode rewritten = MergeConfigPlaces.resolve(raw, places, router);
      MergeConfig config;
      try {
        config = MergeJob.parse(JSON.writeValueAsBytes(rewritten));
      } catch (IOException | InvalidMergeException e) {
        throw TrainerFailure.badInput("InvalidMerge", configFile + ": " + e.getMessage());
      }
      ObjectStore store = router.store();
      Path work = Files.createDirectories(workRoot);
      Path scratch = Files.createTempDirectory(work, "merge-");
      RunResult report = MergeJob.run(config, store, scratch);
      if (report.succeeded()) {
        termination.write("succeeded: " + report.adapter().digest());
        LOG.log(Level.INFO, "merged and published {0}", report.adapter().uri());
        return ExitCodes.OK;
      }
      LOG.log(Level.ERROR, "{0}: {1}", report.reason(), report.message());
      termination.write(report.reason() + ": " + report.message());
      return "InvalidMerge".equals(report.reason()) ? ExitCodes.BAD_INPUT : ExitCodes.TRANSIENT;
    } catch (TrainerFailure f) {
      LOG.log(Level.ERROR, "{0}: {1}", f.reason(), f.getMessage());
      termination.write(f.reason() + ": " + f.getMessage());
      return f.exitCode();
    } catch (ObjectStoreException e) {
      TrainerFailure f = StoreFailures.of(e);
      LOG.log(Level.ERROR, "{0}: {1}", f.reason(), f.getMessage());
      termination.write(f.reason() + ": " + f.getMessage());
      return f.exitCode();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.ERROR, "merge failed", e);
      termination.write("MergeError: " + e);
      return ExitCodes.TRANSIENT;
    }
  }

  private static byte[] read(Path file) throws TrainerFailure {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw TrainerFailure.badInput("InvalidMerge", "cannot read " + file + ": " + e);
    }
  }

  private static JsonNode tree(byte[] bytes, Path file) throws TrainerFailure {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw TrainerFailure.badInput("InvalidMerge", file + " is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw TrainerFailure.badInput("InvalidMerge", file + ": the config must be an object");
    }
    JsonNode v = root.get("schemaVersion");
    if (v == null || !v.isIntegralNumber() || v.asLong() < 1) {
      throw TrainerFailure.badInput("InvalidMerge", file + ": schemaVersion is missing or invalid");
    }
    if (v.asLong() > 1) {
      throw TrainerFailure.badInput(
          "InvalidMerge",
          file + ": schemaVersion " + v.asLong() + " is newer than this trainer reads (1)");
    }
    return root;
  }
}
