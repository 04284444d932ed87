package io.lorafleet.api.schema;

import static io.lorafleet.api.schema.Manifests.with;
import static io.lorafleet.api.schema.Manifests.without;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRDs accept good manifests and reject each kind of bad one with the message a user
 * reads from kubectl. Every CEL rule in crds/ must be both satisfied and violated by these cases; a
 * new rule without fixtures fails {@link #everyCelRuleIsExercisedBothWays()}.
 */
class SchemaValidationTest {
  private static final String DNS =
      "must be a DNS-1123 label: at most 63 lowercase letters,"
          + " digits or '-', starting and ending with a letter or digit";
  private static final String S3 =
      "uri must start with s3:// followed by a bucket name (3-63"
          + " lowercase letters, digits, '.' or '-') and an optional /prefix, e.g."
          + " s3://models/llama-3-8b";
  private static final String DENSITY =
      "spec.density: density in (0, 1] is required for ties, dare-linear, dare-ties and"
          + " magnitude-prune";
  private static final String IMMUTABLE =
      "spec: a FineTuneJob's spec is immutable after creation except 'suspend' and"
          + " 'deleteCheckpointsOnDeletion'; create a new FineTuneJob to train with other"
          + " settings";

  private static final String GPU =
      "extended resources such as nvidia.com/gpu cannot be overcommitted: give each one a limit"
          + " equal to its request (or a limit only)";

  /** A manifest, how a case changes it, and the violations expected (empty: accepted). */
  record Case(String name, Kinds kind, UnaryOperator<JsonNode> change, List<String> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static JsonNode base(Kinds kind) {
    return Manifests.readAll(resource(kind.kind().toLowerCase() + ".yaml")).getFirst();
  }

  private static Path resource(String name) {
    try {
      return Path.of(SchemaValidationTest.class.getResource("/manifests/" + name).toURI());
    } catch (Exception e) {
      throw new UncheckedIOException(new IOException("missing test manifest " + name, e));
    }
  }

  static Case accept(String name, Kinds kind, UnaryOperator<JsonNode> change) {
    return new Case(name, kind, change, List.of());
  }

  static Case reject(String name, Kinds kind, UnaryOperator<JsonNode> change, String message) {
    return new Case(name, kind, change, List.of(message));
  }

  static UnaryOperator<JsonNode> set(String path, String yaml) {
    return m -> with(m, path, yaml);
  }

  static UnaryOperator<JsonNode> set(String path, double value) {
    return m -> with(m, path, DoubleNode.valueOf(value));
  }

  static UnaryOperator<JsonNode> remove(String path) {
    return m -> without(m, path);
  }

  static UnaryOperator<JsonNode> both(UnaryOperator<JsonNode> a, UnaryOperator<JsonNode> b) {
    return m -> b.apply(a.apply(m));
  }

  static final Kinds BM = Kinds.BASE_MODEL;
  static final Kinds LAD = Kinds.LORA_ADAPTER;
  static final Kinds FTJ = Kinds.FINE_TUNE_JOB;
  static final Kinds MP = Kinds.MERGE_POLICY;

  static Stream<Case> celCases() {
    return Stream.of(
        accept("minimal BaseModel", BM, m -> m),
        accept("no router", BM, set("spec.serving", "{router: {replicas: 0}}")),
        reject(
            "too many routers",
            BM,
            set("spec.serving", "{router: {replicas: 101}}"),
            "spec.serving.router.replicas: router replicas must be between 0 and 100"),
        accept(
            "inference auth", BM, set("spec.serving", "{inferenceAuth: {secretName: pool-token}}")),
        reject(
            "inference auth on a vLLM pool",
            BM,
            set("spec.serving", "{runtime: vllm, inferenceAuth: {secretName: pool-token}}"),
            "spec.serving.inferenceAuth: inferenceAuth needs the builtin runtime: vLLM's"
                + " --api-key would also lock the adapter admin API the operator loads adapters"
                + " through"),
        reject(
            "inference token key with a slash",
            BM,
            set("spec.serving", "{inferenceAuth: {secretName: pool-token, key: 'a/b'}}"),
            "spec.serving.inferenceAuth.key: key must be a Secret key: letters, digits, '-', '_'"
                + " or '.'"),
        accept("pinned digest", BM, set("spec.source.digest", "sha256:" + "ab".repeat(32))),
        accept("zero replicas", BM, set("spec.serving", "{replicas: 0}")),
        reject(
            "name with capitals", BM, set("metadata.name", "Base_Model"), "metadata.name " + DNS),
        reject(
            "name of 64 characters",
            BM,
            set("metadata.name", "a".repeat(64)),
            "metadata.name " + DNS),
        reject(
            "https source",
            BM,
            set("spec.source.uri", "https://models/base"),
            "spec.source.uri: " + S3),
        reject(
            "one-letter bucket",
            BM,
            set("spec.source.uri", "s3://m/base"),
            "spec.source.uri: " + S3),
        reject(
            "short digest",
            BM,
            set("spec.source.digest", "sha256:abc"),
            "spec.source.digest: digest must be 'sha256:' followed by 64 lowercase hex digits"),
        reject(
            "negative replicas",
            BM,
            set("spec.serving", "{replicas: -1}"),
            "spec.serving.replicas: replicas must be between 0 and 1000"),
        reject(
            "no device slots",
            BM,
            set("spec.serving", "{adapterSlots: {maxLoaded: 0}}"),
            "spec.serving.adapterSlots.maxLoaded: maxLoaded must be between 1 and 4096"),
        reject(
            "host tier smaller than device tier",
            BM,
            set("spec.serving", "{adapterSlots: {maxLoaded: 16, maxCached: 8}}"),
            "spec.serving.adapterSlots.maxCached: maxCached (host-memory tier) must be at least"
                + " maxLoaded (device tier)"),
        reject(
            "max rank over 512",
            BM,
            set("spec.serving", "{adapterSlots: {maxRank: 1024}}"),
            "spec.serving.adapterSlots.maxRank: maxRank must be between 1 and 512"),
        accept("minimal LoraAdapter", LAD, m -> m),
        accept("two replicas", LAD, set("spec.placement", "{replicas: 2}")),
        accept("served name with a slash", LAD, set("spec.servedName", "team/tone:v3")),
        reject(
            "base reference with capitals",
            LAD,
            set("spec.baseModelRef.name", "Base"),
            "spec.baseModelRef.name: name " + DNS),
        accept("zero replicas (registered only)", LAD, set("spec.placement", "{replicas: 0}")),
        reject(
            "negative replicas",
            LAD,
            set("spec.placement", "{replicas: -1}"),
            "spec.placement.replicas: replicas must be a number >= 0 or the string \"all\""),
        reject(
            "replicas 'some'",
            LAD,
            set("spec.placement", "{replicas: some}"),
            "spec.placement.replicas: replicas must be a number >= 0 or the string \"all\""),
        reject(
            "served name starting with '-'",
            LAD,
            set("spec.servedName", "-tone"),
            "spec.servedName: servedName must start with a letter or digit and contain only"
                + " letters, digits, '.', '_', ':', '/' or '-'"),
        accept("immediate rollout", LAD, set("spec.rollout", "{strategy: Immediate}")),
        accept(
            "canary rollout",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 10, pause: 5m}, {weight: 100}],"
                    + " stickiness: {key: header, header: X-User},"
                    + " evaluation: {datasetUri: 's3://eval/rows.jsonl'}}}")),
        accept(
            "canary gate on each candidate's own validation split",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 100}],"
                    + " evaluation: {maxLossIncrease: 0.1, resources: {requests: {memory: 8Gi}}}}}")),
        accept("allow no effect", LAD, set("spec.validation", "{allowNoEffect: true}")),
        accept(
            "canary decision to leave a paused step",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 10}, {weight: 100}],"
                    + " decision: {digest: 'sha256:"
                    + "a".repeat(64)
                    + "', action: Continue, step: 0}}}")),
        reject(
            "canary decision about no digest",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 100}],"
                    + " decision: {digest: latest, action: Promote}}}"),
            "spec.rollout.canary.decision.digest: digest must be 'sha256:' followed by 64"
                + " lowercase hex digits"),
        reject(
            "continue without the step it leaves",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 10}, {weight: 100}],"
                    + " decision: {digest: 'sha256:"
                    + "a".repeat(64)
                    + "', action: Continue}}}"),
            "spec.rollout.canary.decision.step: step (the index of the paused step to leave) is"
                + " required when action is Continue"),
        reject(
            "canary without steps",
            LAD,
            set("spec.rollout", "{strategy: Canary}"),
            "spec.rollout.canary: canary (its steps) is required when strategy is Canary"),
        reject(
            "canary ending below 100",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 10}, {weight: 50}]}}"),
            "spec.rollout.canary.steps: the last step must send all traffic to the new version"
                + " (weight 100)"),
        reject(
            "canary weight 0",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 0}, {weight: 100}]}}"),
            "spec.rollout.canary.steps[0].weight: weight must be a percentage between 1 and 100"),
        reject(
            "header stickiness without a header",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 100}], stickiness: {key: header}}}"),
            "spec.rollout.canary.stickiness.header: header (its name) is required when key is"
                + " header"),
        reject(
            "evaluation dataset over https",
            LAD,
            set(
                "spec.rollout",
                "{strategy: Canary, canary: {steps: [{weight: 100}],"
                    + " evaluation: {datasetUri: 'https://eval/rows.jsonl'}}}"),
            "spec.rollout.canary.evaluation.datasetUri: datasetUri must start with s3:// followed"
                + " by a bucket name and an optional /prefix"),
        accept("minimal FineTuneJob", FTJ, m -> m),
        accept(
            "epochs instead of maxSteps",
            FTJ,
            both(remove("spec.training.maxSteps"), set("spec.training.epochs", "3"))),
        accept(
            "rank 512 and every module",
            FTJ,
            set(
                "spec.lora",
                "{rank: 512, targetModules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]}")),
        accept(
            "deadline and deploy",
            FTJ,
            both(
                set("spec.activeDeadlineSeconds", "3600"),
                set("spec.output.deploy", "{replicas: all}"))),
        reject(
            "rank 0",
            FTJ,
            set("spec.lora", "{rank: 0}"),
            "spec.lora.rank: rank must be between 1 and 512"),
        reject(
            "rank 513",
            FTJ,
            set("spec.lora", "{rank: 513}"),
            "spec.lora.rank: rank must be between 1 and 512"),
        reject(
            "alpha 0",
            FTJ,
            set("spec.lora", "{alpha: 0}"),
            "spec.lora.alpha: alpha must be greater than 0"),
        reject(
            "dropout 1",
            FTJ,
            set("spec.lora", "{dropout: 1.0}"),
            "spec.lora.dropout: dropout must be in [0, 1)"),
        reject(
            "negative dropout",
            FTJ,
            set("spec.lora", "{dropout: -0.1}"),
            "spec.lora.dropout: dropout must be in [0, 1)"),
        reject(
            "repeated module",
            FTJ,
            set("spec.lora", "{targetModules: [q_proj, q_proj]}"),
            "spec.lora.targetModules: targetModules must not repeat a module"),
        reject(
            "epochs and maxSteps",
            FTJ,
            set("spec.training.epochs", "2"),
            "spec.training: set exactly one of epochs or maxSteps"),
        reject(
            "neither epochs nor maxSteps",
            FTJ,
            remove("spec.training.maxSteps"),
            "spec.training: set exactly one of epochs or maxSteps"),
        reject(
            "zero epochs",
            FTJ,
            both(remove("spec.training.maxSteps"), set("spec.training.epochs", "0")),
            "spec.training.epochs: epochs must be between 1 and 1000"),
        reject(
            "zero maxSteps",
            FTJ,
            set("spec.training.maxSteps", "0"),
            "spec.training.maxSteps: maxSteps must be at least 1"),
        reject(
            "learning rate 0",
            FTJ,
            set("spec.training.learningRate", "0"),
            "spec.training.learningRate: learningRate must be greater than 0"),
        reject(
            "negative learning rate",
            FTJ,
            set("spec.training.learningRate", "-1.0e-4"),
            "spec.training.learningRate: learningRate must be greater than 0"),
        reject(
            "batch size 0",
            FTJ,
            set("spec.training.batchSize", "0"),
            "spec.training: batchSize and gradientAccumulationSteps must be at least 1"),
        reject(
            "sequence length 8",
            FTJ,
            set("spec.training.maxSequenceLength", "8"),
            "spec.training.maxSequenceLength: maxSequenceLength must be between 16 and 131072"),
        reject(
            "negative warm-up",
            FTJ,
            set("spec.training.warmupSteps", "-1"),
            "spec.training: warmupSteps must be at least 0 and checkpointInterval at least 1"),
        reject(
            "zero clipping threshold",
            FTJ,
            set("spec.training.maxGradNorm", "0"),
            "spec.training: weightDecay must be at least 0 and maxGradNorm greater than 0"),
        reject(
            "validation split 1",
            FTJ,
            set("spec.dataset.validationSplit", "1"),
            "spec.dataset.validationSplit: validationSplit must be a fraction in [0, 1)"),
        reject(
            "invalid fraction 1.5",
            FTJ,
            set("spec.dataset.maxInvalidFraction", "1.5"),
            "spec.dataset.maxInvalidFraction: maxInvalidFraction must be a fraction in [0, 1]"),
        reject(
            "local dataset path",
            FTJ,
            set("spec.dataset.uri", "/data/train.jsonl"),
            "spec.dataset.uri: " + S3),
        reject(
            "adapter name with capitals",
            FTJ,
            set("spec.output.adapterName", "Tuned"),
            "spec.output.adapterName: adapterName " + DNS),
        reject(
            "prefix without s3://",
            FTJ,
            set("spec.output.artifactPrefix", "s3:/adapters"),
            "spec.output.artifactPrefix: artifactPrefix must be an s3:// URI: " + S3),
        reject(
            "zero deadline",
            FTJ,
            set("spec.activeDeadlineSeconds", "0"),
            "spec.activeDeadlineSeconds: activeDeadlineSeconds must be at least 1"),
        reject(
            "negative backoff",
            FTJ,
            set("spec.backoffLimit", "-1"),
            "spec.backoffLimit: backoffLimit must be between 0 and 100"),
        accept("deploy warm on zero pods", FTJ, set("spec.output.deploy", "{replicas: 0}")),
        reject(
            "deploy on a negative number of pods",
            FTJ,
            set("spec.output.deploy", "{replicas: -2}"),
            "spec.output.deploy.replicas: replicas must be a number >= 0 or the string \"all\""),
        accept("minimal MergePolicy", MP, m -> m),
        accept(
            "ties with density", MP, both(set("spec.method", "ties"), set("spec.density", "0.5"))),
        accept("svd with rank", MP, both(set("spec.method", "svd"), set("spec.outputRank", "16"))),
        accept("negative weight", MP, set("spec.sources[1].weight", "-0.5")),
        accept(
            "density 1 for dare",
            MP,
            both(set("spec.method", "dare-linear"), set("spec.density", "1"))),
        reject(
            "one source",
            MP,
            set("spec.sources", "[{adapter: first}]"),
            "spec.sources: a merge needs at least two sources"),
        reject(
            "same source twice",
            MP,
            set("spec.sources", "[{adapter: first}, {adapter: first}]"),
            "spec.sources: each source adapter may appear only once"),
        reject("ties without density", MP, set("spec.method", "ties"), DENSITY),
        reject(
            "dare with density 0",
            MP,
            both(set("spec.method", "dare-linear"), set("spec.density", "0")),
            DENSITY),
        reject(
            "prune with density 1.5",
            MP,
            both(set("spec.method", "magnitude-prune"), set("spec.density", "1.5")),
            DENSITY),
        reject("dare-ties without density", MP, set("spec.method", "dare-ties"), DENSITY),
        reject(
            "svd without rank",
            MP,
            set("spec.method", "svd"),
            "spec.outputRank: outputRank is required for method svd"),
        reject(
            "output is a source",
            MP,
            set("spec.output.adapterName", "first"),
            "spec.output.adapterName: the output adapter cannot also be a source: each merge would"
                + " feed the next"),
        reject(
            "output rank 0",
            MP,
            set("spec.outputRank", "0"),
            "spec.outputRank: outputRank must be between 1 and 512"),
        reject(
            "NaN weight",
            MP,
            set("spec.sources[0].weight", Double.NaN),
            "spec.sources[0].weight: weight must be a finite number"),
        reject(
            "infinite weight",
            MP,
            set("spec.sources[1].weight", Double.NEGATIVE_INFINITY),
            "spec.sources[1].weight: weight must be a finite number"),
        accept(
            "GPU requests equal to limits, other quantities in every form",
            BM,
            set(
                "spec.serving",
                "{resources: {requests: {cpu: 500m, memory: 32Gi, nvidia.com/gpu: 1},"
                    + " limits: {memory: '1.5e9', nvidia.com/gpu: '1'}}}")),
        accept("GPU limits only", FTJ, set("spec.resources", "{limits: {nvidia.com/gpu: 2}}")),
        reject(
            "malformed request quantity",
            BM,
            set("spec.serving", "{resources: {requests: {cpu: 4 cores}}}"),
            "spec.serving.resources.requests: each request must be a Kubernetes quantity, e.g. 4,"
                + " 500m or 32Gi"),
        reject(
            "malformed limit quantity",
            FTJ,
            set("spec.resources", "{limits: {memory: 32GB}}"),
            "spec.resources.limits: each limit must be a Kubernetes quantity, e.g. 4, 500m or"
                + " 32Gi"),
        reject(
            "GPU requests only",
            FTJ,
            set("spec.resources", "{requests: {nvidia.com/gpu: 1}}"),
            "spec.resources.requests: " + GPU),
        reject(
            "GPU requests differ from limits",
            BM,
            set(
                "spec.serving",
                "{resources: {requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: 2}}}"),
            "spec.serving.resources.requests: " + GPU),
        accept(
            "tolerations as the API server accepts them",
            BM,
            set(
                "spec.serving",
                "{tolerations: [{operator: Exists}, {key: gpu, operator: Exists, effect:"
                    + " NoSchedule}, {key: spot, value: 'true', effect: NoExecute,"
                    + " tolerationSeconds: 30}]}")),
        reject(
            "toleration Exists with a value",
            BM,
            set("spec.serving", "{tolerations: [{key: gpu, operator: Exists, value: a100}]}"),
            "spec.serving.tolerations[0].value: value must be empty when operator is Exists"),
        reject(
            "tolerationSeconds without NoExecute",
            FTJ,
            set("spec.tolerations", "[{key: gpu, effect: NoSchedule, tolerationSeconds: 60}]"),
            "spec.tolerations[0].tolerationSeconds: tolerationSeconds applies only to effect"
                + " NoExecute"),
        reject(
            "toleration without key or Exists",
            FTJ,
            set("spec.tolerations", "[{value: x}]"),
            "spec.tolerations[0].key: an empty key matches every taint and needs operator"
                + " Exists"),
        accept(
            "GPU pool rollout without a surge pod",
            BM,
            set("spec.serving", "{rollout: {maxSurge: 0, maxUnavailable: 1}}")),
        accept(
            "rollout in percentages",
            BM,
            set("spec.serving", "{rollout: {maxSurge: '50%', maxUnavailable: '0%'}}")),
        reject(
            "rollout surge not a number or percentage",
            BM,
            set("spec.serving", "{rollout: {maxSurge: 'two'}}"),
            "spec.serving.rollout.maxSurge: maxSurge must be a number >= 0 or a percentage such"
                + " as 25%"),
        reject(
            "rollout with a negative maxUnavailable",
            BM,
            set("spec.serving", "{rollout: {maxUnavailable: -1}}"),
            "spec.serving.rollout.maxUnavailable: maxUnavailable must be a number >= 0 or a"
                + " percentage such as 25%"),
        reject(
            "rollout that can never progress",
            BM,
            set("spec.serving", "{rollout: {maxSurge: 0, maxUnavailable: '0%'}}"),
            "spec.serving.rollout: maxSurge and maxUnavailable cannot both be 0: the rollout could"
                + " never progress"),
        reject(
            "source with capitals",
            MP,
            set("spec.sources[0].adapter", "First"),
            "spec.sources[0].adapter: adapter " + DNS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("celCases")
  void celRules(Case c) {
    JsonNode manifest = c.change().apply(base(c.kind()));
    assertThat(CrdSchema.of(c.kind()).validateCreate(manifest))
        .containsExactlyInAnyOrderElementsOf(c.expected());
  }

  /** Structural errors come from the JSON-schema validator; the path and cause must be named. */
  static Stream<Case> structuralCases() {
    return Stream.of(
        reject(
            "misspelt field",
            FTJ,
            set("spec.lora", "{rnak: 8}"),
            "$.spec.lora: property 'rnak' is not defined in the schema"),
        reject(
            "rank as a string",
            FTJ,
            set("spec.lora", "{rank: '16'}"),
            "$.spec.lora.rank: string found, integer expected"),
        reject(
            "unknown method",
            MP,
            set("spec.method", "average"),
            "$.spec.method: does not have a value in the enumeration"),
        reject(
            "no source", BM, remove("spec.source"), "$.spec: required property 'source' not found"),
        reject("no spec", LAD, remove("spec"), "$: required property 'spec' not found"),
        reject(
            "unknown runtime",
            BM,
            set("spec.serving", "{runtime: triton}"),
            "$.spec.serving.runtime: does not have a value in the enumeration"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("structuralCases")
  void structure(Case c) {
    JsonNode manifest = c.change().apply(base(c.kind()));
    List<String> violations = CrdSchema.of(c.kind()).validateCreate(manifest);
    assertThat(violations).hasSize(1);
    assertThat(violations.getFirst()).startsWith(c.expected().getFirst());
  }

  static Stream<Case> updateCases() {
    return Stream.of(
        accept("unchanged", FTJ, m -> m),
        accept("suspend", FTJ, set("spec.suspend", "true")),
        accept("checkpoint cleanup changed", FTJ, set("spec.deleteCheckpointsOnDeletion", "true")),
        reject("rank changed", FTJ, set("spec.lora", "{rank: 32}"), IMMUTABLE),
        reject(
            "learning rate changed", FTJ, set("spec.training.learningRate", "1.0e-3"), IMMUTABLE),
        reject("image added", FTJ, set("spec.image", "registry.example/trainer:2"), IMMUTABLE),
        reject("output changed", FTJ, set("spec.output.adapterName", "other"), IMMUTABLE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("updateCases")
  void fineTuneJobSpecIsImmutableExceptSuspend(Case c) {
    JsonNode stored = base(c.kind());
    JsonNode updated = c.change().apply(stored);
    assertThat(CrdSchema.of(c.kind()).validateUpdate(stored, updated))
        .containsExactlyInAnyOrderElementsOf(c.expected());
  }

  @Test
  void removingAnOptionalFieldIsAChangeToo() {
    JsonNode stored = with(base(FTJ), "spec.activeDeadlineSeconds", "3600");
    assertThat(CrdSchema.of(FTJ).validateUpdate(stored, base(FTJ))).containsExactly(IMMUTABLE);
  }

  @Test
  void defaultsAreFilledBeforeRulesRun() {
    JsonNode stored = CrdSchema.of(FTJ).withDefaults(base(FTJ));
    assertThat(stored.at("/spec/lora/rank").asInt()).isEqualTo(16);
    assertThat(stored.at("/spec/lora/targetModules").size()).isEqualTo(4);
    assertThat(stored.at("/spec/training/learningRate").asDouble()).isEqualTo(2.0e-4);
    assertThat(stored.at("/spec/suspend").asBoolean(true)).isFalse();
    assertThat(stored.at("/spec/deleteCheckpointsOnDeletion").asBoolean(true)).isFalse();
    JsonNode model = CrdSchema.of(BM).withDefaults(base(BM));
    assertThat(model.at("/spec/serving/adapterSlots/maxLoaded").asInt()).isEqualTo(8);
    assertThat(model.at("/spec/serving/runtime").asText()).isEqualTo("builtin");
  }

  @Test
  void everyCelRuleIsExercisedBothWays() throws IOException {
    Stream.of(celCases(), updateCases())
        .flatMap(s -> s)
        .forEach(
            c -> {
              JsonNode stored = base(c.kind());
              CrdSchema.of(c.kind()).validateCreate(c.change().apply(stored));
              CrdSchema.of(c.kind()).validateUpdate(stored, c.change().apply(stored));
            });
    Set<String> rules = new HashSet<>();
    for (Kinds kind : Kinds.values()) {
      collectRules(CrdSchema.of(kind).openApiSchema(), rules);
    }
    List<String> neverHeld = new ArrayList<>();
    List<String> neverViolated = new ArrayList<>();
    for (String rule : rules) {
      if (!CrdSchema.HELD.contains(rule)) {
        neverHeld.add(rule);
      }
      if (!CrdSchema.VIOLATED.contains(rule)) {
        neverViolated.add(rule);
      }
    }
    assertThat(rules).hasSizeGreaterThan(30);
    assertThat(neverHeld).as("rules no accepted case satisfies").isEmpty();
    assertThat(neverViolated).as("rules no rejected case violates").isEmpty();
  }

  private static void collectRules(JsonNode schema, Set<String> rules) {
    schema.path("x-kubernetes-validations").forEach(r -> rules.add(r.path("rule").asText()));
    schema.path("properties").forEach(p -> collectRules(p, rules));
    if (schema.has("items")) {
      collectRules(schema.get("items"), rules);
    }
    if (schema.path("additionalProperties").isObject()) {
      collectRules(schema.get("additionalProperties"), rules);
    }
  }
}
