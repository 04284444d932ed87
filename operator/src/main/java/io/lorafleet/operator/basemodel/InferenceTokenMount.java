package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.InferenceAuth;
import io.lorafleet.operator.reconcile.PodSecurity;
import java.util.Optional;

/**
 * The pool's inference token ({@code spec.serving.inferenceAuth}) as a read-only file in the router
 * and serving pods: one declaration for both, so they always read the same Secret key. A file, not
 * an environment variable: the kubelet rewrites it when the Secret changes, and both read it at
 * every request, so a rotation needs no restart.
 */
final class InferenceTokenMount {
  static final String VOLUME = "inference-token";
  static final String DIR = "/var/run/lorafleet/inference";
  static final String FILE = DIR + "/token";

  private InferenceTokenMount() {}

  static Optional<InferenceAuth> of(BaseModel model) {
    return Optional.ofNullable(model.getSpec().serving().inferenceAuth());
  }

  static Optional<Volume> volume(BaseModel model) {
    return of(model)
        .map(
            auth ->
                new VolumeBuilder()
                    .withName(VOLUME)
                    .withNewSecret()
                    .withSecretName(auth.secretName())
                    .addNewItem()
                    .withKey(auth.keyOrDefault())
                    .withPath("token")
                    .endItem()
                    .withDefaultMode(PodSecurity.SECRET_FILE_MODE)
                    .endSecret()
                    .build());
  }

  static Optional<VolumeMount> mount(BaseModel model) {
    return of(model)
        .map(
            auth ->
                new VolumeMountBuilder()
                    .withName(VOLUME)
                    .withMountPath(DIR)
                    .withReadOnly(true)
                    .build());
  }
}
