package io.lorafleet.trainer.model;

import io.lorafleet.artifacts.ArtifactFormatException;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.BackendOptions;
import io.lorafleet.engine.backend.BackendUnavailableException;
import io.lorafleet.engine.backend.Backends;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.trainer.TrainerFailure;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads a fetched base model for a training or evaluation run. A config.json or safetensors file
 * that is malformed or describes a model the engine refuses ({@link ArtifactFormatException}) is
 * the run's bad input, InvalidBaseModel: retrying cannot help.
 */
public final class BaseModelLoader {
  public static final String INVALID_BASE_MODEL = "InvalidBaseModel";

  private BaseModelLoader() {}

  /** The model's config.json, to check the run's settings against before anything is loaded. */
  public static ModelConfig config(Path dir) throws TrainerFailure, IOException {
    try {
      return ModelLoader.config(dir);
    } catch (ArtifactFormatException e) {
      throw TrainerFailure.badInput(
          INVALID_BASE_MODEL, "the base model's config.json cannot be used: " + e.getMessage());
    }
  }

  /** The model in fp32 on the named backend; the backend is closed when the model is not. */
  public static LlamaModel load(Path dir, String backendName) throws TrainerFailure, IOException {
    Backend backend;
    try {
      backend = Backends.select(backendName, BackendOptions.defaults()).backend();
    } catch (BackendUnavailableException e) {
      throw TrainerFailure.badInput("BackendUnavailable", e.getMessage(), e);
    }
    try {
      return LlamaModel.load(dir, WeightPrecision.F32, backend);
    } catch (ArtifactFormatException e) {
      backend.close();
      throw TrainerFailure.badInput(
          INVALID_BASE_MODEL, "the base model cannot be loaded: " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      backend.close();
      throw e;
    }
  }
}
