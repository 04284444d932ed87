package io.lorafleet.trainer.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.storage.Place;
import io.lorafleet.trainer.storage.Places;
import java.lang.System.Logger.Level;

/**
 * Opens every location of merge.json with its credentials (output and run directory with {@code
 * output.credentialsDir}, each source with its own) and routes its bucket to that client. Local
 * paths become {@code s3://local/...} URIs of the local file store, so MergeJob, which speaks S3
 * URIs, works on a laptop too.
 */
final class MergeConfigPlaces {
  private static final System.Logger LOG = System.getLogger(MergeConfigPlaces.class.getName());

  private MergeConfigPlaces() {}

  static JsonNode resolve(JsonNode raw, Places places, BucketRouter router) throws TrainerFailure {
    ObjectNode root = raw.deepCopy();
    JsonNode output = root.path("output");
    JsonNode run = root.path("run");
    if (!output.isObject() || !run.isObject() || !root.path("sources").isArray()) {
      throw TrainerFailure.badInput("InvalidMerge", "merge.json needs run, sources and output");
    }
    String outCreds = text(output, "credentialsDir");
    rewrite((ObjectNode) output, "versionsUri", outCreds, places, router, "output.versionsUri");
    rewrite((ObjectNode) run, "directory", outCreds, places, router, "run.directory");
    int i = 0;
    for (JsonNode s : root.path("sources")) {
      if (!s.isObject()) {
        throw TrainerFailure.badInput("InvalidMerge", "sources[" + i + "] is not an object");
      }
      rewrite(
          (ObjectNode) s,
          "uri",
          text(s, "credentialsDir"),
          places,
          router,
          "sources[" + i + "].uri");
      i++;
    }
    return root;
  }

  private static void rewrite(
      ObjectNode node, String field, String creds, Places places, BucketRouter router, String what)
      throws TrainerFailure {
    String value = text(node, field);
    if (value == null || value.isBlank()) {
      throw TrainerFailure.badInput("InvalidMerge", what + " is required");
    }
    Place p = places.open(value, creds, what);
    if (!router.route(p.bucket(), p.store())) {
      LOG.log(
          Level.INFO,
          "{0}: bucket {1} is read with the credentials first given for it",
          what,
          p.bucket());
    }
    String uri = p.uri().toString();
    node.put(field, value.endsWith("/") && !uri.endsWith("/") ? uri + "/" : uri);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || !v.isTextual() ? null : v.textValue();
  }
}
