package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.lorafleet.testcluster.kubelet.AtomicVolumeWriter.Payload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A pod's volumes on the local disk, one directory each under {@code dir}, as the kubelet sets them
 * up:
 *
 * <ul>
 *   <li>Secret, ConfigMap, downwardAPI and projected volumes: files owned by root, group the pod's
 *       fsGroup (else root), mode {@code items[].mode}, else {@code defaultMode}, else 0644, with
 *       group read added (0440) when there is an fsGroup; written atomically ({@link
 *       AtomicVolumeWriter}) and rewritten by {@link #refresh()} when the Secret or ConfigMap
 *       changes. A missing Secret or ConfigMap (not optional) or key fails the mount.
 *   <li>emptyDir: mode 0777, and with an fsGroup group fsGroup plus setgid.
 * </ul>
 *
 * Other volume types are refused. A process has no mount namespace, so ConfigMap text is passed
 * through {@code rewriteText}, which replaces the container paths it names by local ones.
 */
public final class PodVolumes {
  private static final int DEFAULT_MODE = 0644;

  private final KubernetesClient client;
  private final Pod pod;
  private final Path dir;
  private final String podIP;
  private final UnaryOperator<String> rewriteText;
  private final Long fsGroup;
  private final Map<String, String> written = new HashMap<>();

  private PodVolumes(
      KubernetesClient client, Pod pod, Path dir, String podIP, UnaryOperator<String> rewriteText) {
    this.client = client;
    this.pod = pod;
    this.dir = dir;
    this.podIP = podIP;
    this.rewriteText = rewriteText;
    this.fsGroup =
        pod.getSpec().getSecurityContext() == null
            ? null
            : pod.getSpec().getSecurityContext().getFsGroup();
  }

  /** Sets up every volume of the pod; a failure names the volume, as a FailedMount event does. */
  static PodVolumes materialize(
      KubernetesClient client, Pod pod, Path dir, String podIP, UnaryOperator<String> rewriteText)
      throws ContainerConfigException, IOException {
    PodVolumes volumes = new PodVolumes(client, pod, dir, podIP, rewriteText);
    Files.createDirectories(dir);
    for (Volume volume : pod.getSpec().getVolumes()) {
      try {
        volumes.setUp(volume, true);
      } catch (KubernetesClientException e) {
        // e.g. the ServiceAccount of a token projection does not exist yet: retried
        throw new ContainerConfigException(
            "ContainerCreating",
            "MountVolume.SetUp failed for volume \"" + volume.getName() + "\": " + e.getMessage());
      }
    }
    return volumes;
  }

  /** The local directory of a volume. */
  public Path path(String volumeName) {
    return dir.resolve(volumeName);
  }

  /** Rewrites the files of every volume whose Secret, ConfigMap or pod fields changed. */
  void refresh() throws ContainerConfigException, IOException {
    for (Volume volume : pod.getSpec().getVolumes()) {
      if (volume.getEmptyDir() == null) {
        setUp(volume, false);
      }
    }
  }

  private void setUp(Volume volume, boolean first) throws ContainerConfigException, IOException {
    Path path = dir.resolve(volume.getName());
    if (volume.getEmptyDir() != null) {
      Files.createDirectories(path);
      FileOwnership.chown(path, 0, fsGroup == null ? 0 : fsGroup);
      FileOwnership.chmod(path, fsGroup == null ? 0777 : 02777);
      return;
    }
    if (!first && hasToken(volume)) {
      return; // tokens are not rotated here (each TokenRequest differs: no change detection)
    }
    Map<String, Payload> payload = payload(volume);
    String digest = digest(payload);
    if (!first && digest.equals(written.get(volume.getName()))) {
      return;
    }
    AtomicVolumeWriter.write(path, payload, fsGroup);
    written.put(volume.getName(), digest);
  }

  private static boolean hasToken(Volume volume) {
    return volume.getProjected() != null
        && volume.getProjected().getSources().stream()
            .anyMatch(s -> s.getServiceAccountToken() != null);
  }

  private Map<String, Payload> payload(Volume volume) throws ContainerConfigException {
    Map<String, Payload> files = new TreeMap<>();
    if (volume.getSecret() != null) {
      var source = volume.getSecret();
      Map<String, byte[]> data =
          secretData(volume, source.getSecretName(), Boolean.TRUE.equals(source.getOptional()));
      project(volume, data, source.getItems(), mode(source.getDefaultMode()), files);
    } else if (volume.getConfigMap() != null) {
      var source = volume.getConfigMap();
      Map<String, byte[]> data =
          configMapData(volume, source.getName(), Boolean.TRUE.equals(source.getOptional()));
      project(volume, data, source.getItems(), mode(source.getDefaultMode()), files);
    } else if (volume.getDownwardAPI() != null) {
      downward(
          volume.getDownwardAPI().getItems(),
          mode(volume.getDownwardAPI().getDefaultMode()),
          files);
    } else if (volume.getProjected() != null) {
      int defaultMode = mode(volume.getProjected().getDefaultMode());
      for (VolumeProjection source : volume.getProjected().getSources()) {
        if (source.getSecret() != null) {
          var s = source.getSecret();
          Map<String, byte[]> data =
              secretData(volume, s.getName(), Boolean.TRUE.equals(s.getOptional()));
          project(volume, data, s.getItems(), defaultMode, files);
        } else if (source.getConfigMap() != null) {
          var c = source.getConfigMap();
          Map<String, byte[]> data =
              configMapData(volume, c.getName(), Boolean.TRUE.equals(c.getOptional()));
          project(volume, data, c.getItems(), defaultMode, files);
        } else if (source.getDownwardAPI() != null) {
          downward(source.getDownwardAPI().getItems(), defaultMode, files);
        } else if (source.getServiceAccountToken() != null) {
          files.put(
              source.getServiceAccountToken().getPath(),
              new Payload(token(source.getServiceAccountToken()), withFsGroup(defaultMode)));
        } else {
          throw unsupported(
              volume,
              "a projected source other than secret, configMap,"
                  + " downwardAPI and serviceAccountToken");
        }
      }
    } else {
      throw unsupported(volume, "its type");
    }
    return files;
  }

  private void project(
      Volume volume,
      Map<String, byte[]> data,
      List<KeyToPath> items,
      int defaultMode,
      Map<String, Payload> files)
      throws ContainerConfigException {
    if (items == null || items.isEmpty()) {
      for (Map.Entry<String, byte[]> e : data.entrySet()) {
        files.put(e.getKey(), new Payload(e.getValue(), withFsGroup(defaultMode)));
      }
      return;
    }
    for (KeyToPath item : items) {
      byte[] content = data.get(item.getKey());
      if (content == null) {
        if (data.isEmpty()) {
          continue; // an optional source that does not exist
        }
        throw new ContainerConfigException(
            "ContainerCreating",
            "MountVolume.SetUp failed for volume \"%s\": references non-existent key %s"
                .formatted(volume.getName(), item.getKey()));
      }
      int mode = item.getMode() != null ? item.getMode() : defaultMode;
      files.put(item.getPath(), new Payload(content, withFsGroup(mode)));
    }
  }

  private void downward(
      List<DownwardAPIVolumeFile> items, int defaultMode, Map<String, Payload> out)
      throws ContainerConfigException {
    for (DownwardAPIVolumeFile item : items) {
      if (item.getFieldRef() == null) {
        throw new ContainerConfigException(
            "ContainerCreating", "downwardAPI resourceFieldRef is not emulated: " + item.getPath());
      }
      String value = FieldRefs.value(pod, item.getFieldRef().getFieldPath(), podIP);
      int mode = item.getMode() != null ? item.getMode() : defaultMode;
      out.put(
          item.getPath(),
          new Payload(String.valueOf(value).getBytes(StandardCharsets.UTF_8), withFsGroup(mode)));
    }
  }

  /** SetVolumeOwnership: with an fsGroup, read-only volume files get group read. */
  private int withFsGroup(int mode) {
    return (fsGroup == null ? mode : mode | 0440) & 0777;
  }

  private static int mode(Integer defaultMode) {
    return defaultMode == null ? DEFAULT_MODE : defaultMode;
  }

  private Map<String, byte[]> secretData(Volume volume, String name, boolean optional)
      throws ContainerConfigException {
    Secret secret =
        client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(name).get();
    if (secret == null) {
      if (optional) {
        return Map.of();
      }
      throw notFound(volume, "secret", name);
    }
    Map<String, byte[]> data = new TreeMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    return data;
  }

  private Map<String, byte[]> configMapData(Volume volume, String name, boolean optional)
      throws ContainerConfigException {
    ConfigMap map =
        client.configMaps().inNamespace(pod.getMetadata().getNamespace()).withName(name).get();
    if (map == null) {
      if (optional) {
        return Map.of();
      }
      throw notFound(volume, "configmap", name);
    }
    Map<String, byte[]> data = new TreeMap<>();
    if (map.getData() != null) {
      map.getData()
          .forEach((k, v) -> data.put(k, rewriteText.apply(v).getBytes(StandardCharsets.UTF_8)));
    }
    if (map.getBinaryData() != null) {
      map.getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    return data;
  }

  private byte[] token(ServiceAccountTokenProjection projection) {
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(
                projection.getAudience() == null ? List.of() : List.of(projection.getAudience()))
            .withExpirationSeconds(
                projection.getExpirationSeconds() == null
                    ? 3600L
                    : projection.getExpirationSeconds())
            .withNewBoundObjectRef()
            .withApiVersion("v1")
            .withKind("Pod")
            .withName(pod.getMetadata().getName())
            .withUid(pod.getMetadata().getUid())
            .endBoundObjectRef()
            .endSpec()
            .build();
    String serviceAccount =
        pod.getSpec().getServiceAccountName() == null
            ? "default"
            : pod.getSpec().getServiceAccountName();
    TokenRequest issued =
        client
            .serviceAccounts()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(serviceAccount)
            .tokenRequest(request);
    return issued.getStatus().getToken().getBytes(StandardCharsets.UTF_8);
  }

  private static ContainerConfigException notFound(Volume volume, String kind, String name) {
    return new ContainerConfigException(
        "ContainerCreating",
        "MountVolume.SetUp failed for volume \"%s\": %s \"%s\" not found"
            .formatted(volume.getName(), kind, name));
  }

  private static ContainerConfigException unsupported(Volume volume, String what) {
    return new ContainerConfigException(
        "ContainerCreating",
        "volume \"%s\": %s is not emulated by the kubelet stand-in (emptyDir, secret, configMap,"
                .formatted(volume.getName(), what)
            + " downwardAPI and projected are)");
  }

  private static String digest(Map<String, Payload> payload) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, Payload> e : payload.entrySet()) {
        sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(e.getValue().content());
        sha.update(Integer.toString(e.getValue().mode()).getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
