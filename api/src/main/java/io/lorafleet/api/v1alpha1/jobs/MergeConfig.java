package io.lorafleet.api.v1alpha1.jobs;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.lorafleet.api.v1alpha1.mergepolicy.MajoritySign;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeMethod;
import java.util.List;

/**
 * merge.json, schema version 1: the contract between the operator, which renders it from a
 * MergePolicy (every source pinned to its digest) into the merge Job's ConfigMap, and the trainer
 * image's merge mode, which reads it. Unknown fields are ignored so an older trainer reads a newer
 * operator's file. URIs and credentials directories are as in {@link TrainerConfig}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record MergeConfig(
    int schemaVersion,
    Run run,
    Store baseModel,
    MergeMethod method,
    Double density,
    MajoritySign majoritySign,
    Integer outputRank,
    Long seed,
    List<Source> sources,
    Output output) {

  /** The newest schema this trainer reads. */
  public static final int SCHEMA_VERSION = 1;

  /** Which merge this is; {@code directory} receives result.json. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Run(String namespace, String name, String key, String directory) {}

  /** The base model the sources were trained on; {@code digest} pins it ("sha256:..."). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Store(String uri, String digest, String credentialsDir) {}

  /**
   * One source version: {@code uri} is its {@code sha256-<hex>/} directory, digest "sha256:hex".
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Source(
      String adapter, String uri, String digest, double weight, String credentialsDir) {}

  /** Where the merged adapter is published as {@code sha256-<digest>/}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Output(String adapterName, String versionsUri, String credentialsDir) {}
}
