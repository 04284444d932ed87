package io.lorafleet.operator.reconcile;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The object-storage Secrets a trainer or merge pod reads, each mounted read-only once under
 * /var/run/lorafleet/credentials/&lt;secret&gt;/ (files AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * ...).
 */
public final class CredentialMounts {
  public static final String ROOT = "/var/run/lorafleet/credentials";
  private final List<String> secrets;

  private CredentialMounts(List<String> secrets) {
    this.secrets = secrets;
  }

  public static CredentialMounts of(Stream<SecretReference> references) {
    return new CredentialMounts(
        List.copyOf(
            references
                .filter(Objects::nonNull)
                .map(SecretReference::name)
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new))));
  }

  /** Where a Secret's files are in the pod; null without a Secret. */
  public static String directory(SecretReference secret) {
    return secret == null ? null : ROOT + "/" + secret.name();
  }

  public List<VolumeMount> mounts() {
    List<VolumeMount> mounts = new ArrayList<>();
    for (int i = 0; i < secrets.size(); i++) {
      mounts.add(
          new VolumeMountBuilder()
              .withName("credentials-" + i)
              .withMountPath(ROOT + "/" + secrets.get(i))
              .withReadOnly(true)
              .build());
    }
    return mounts;
  }

  public List<Volume> volumes() {
    List<Volume> volumes = new ArrayList<>();
    for (int i = 0; i < secrets.size(); i++) {
      volumes.add(
          new VolumeBuilder()
              .withName("credentials-" + i)
              .withNewSecret()
              .withSecretName(secrets.get(i))
              .withDefaultMode(PodSecurity.SECRET_FILE_MODE)
              .endSecret()
              .build());
    }
    return volumes;
  }
}
