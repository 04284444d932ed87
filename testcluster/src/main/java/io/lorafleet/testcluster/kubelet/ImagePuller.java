package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's image manager, as the kubelet's (pkg/kubelet/images): before each container start it
 * ensures the image by the container's imagePullPolicy (Never: only an image already on the node;
 * IfNotPresent: pulled once; Always: pulled at every start), pulling from the {@link
 * ImageRegistry}. A failed pull leaves the container waiting in {@code ErrImagePull} and starts a
 * back-off per pod and image (10 s, doubling to 5 min, as the kubelet's image back-off); a start
 * within it waits in {@code ImagePullBackOff} with the last pull error, without pulling.
 */
final class ImagePuller {
  static final Duration INITIAL_BACKOFF = Duration.ofSeconds(10);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final ImageRegistry registry;
  private final Set<String> onNode = ConcurrentHashMap.newKeySet();
  private final Map<String, BackOff> backOffs = new ConcurrentHashMap<>();

  private record BackOff(Instant lastFailure, Duration period, String lastError) {}

  ImagePuller(ImageRegistry registry) {
    this.registry = registry;
  }

  /** Returns when the image is on the node; else the kubelet's waiting reason and message. */
  void ensure(Pod pod, Container container) throws ContainerConfigException {
    String requested = container.getImage();
    String image = ImageRegistry.withDefaultTag(requested);
    String policy =
        container.getImagePullPolicy() == null
            ? ImageRegistry.defaultPullPolicy(requested)
            : container.getImagePullPolicy();
    boolean present = onNode.contains(image);
    if (policy.equals("Never")) {
      if (present) {
        return;
      }
      throw new ContainerConfigException(
          "ErrImageNeverPull",
          "Container image \"" + requested + "\" is not present with pull policy of Never");
    }
    if (policy.equals("IfNotPresent") && present) {
      return;
    }
    String key = pod.getMetadata().getUid() + "_" + image;
    BackOff backOff = backOffs.get(key);
    Instant now = Instant.now();
    if (backOff != null && now.isBefore(backOff.lastFailure().plus(backOff.period()))) {
      throw new ContainerConfigException(
          "ImagePullBackOff", "Back-off pulling image \"" + image + "\": " + backOff.lastError());
    }
    if (!registry.contains(requested)) {
      // containerd's answer for a reference the registry does not know.
      String error =
          "rpc error: code = NotFound desc = failed to pull and unpack image \""
              + image
              + "\": failed to resolve reference \""
              + image
              + "\": "
              + image
              + ": not found";
      Duration period =
          backOff == null || now.isAfter(backOff.lastFailure().plus(MAX_BACKOFF.multipliedBy(2)))
              ? INITIAL_BACKOFF
              : min(backOff.period().multipliedBy(2), MAX_BACKOFF);
      backOffs.put(key, new BackOff(now, period, "ErrImagePull: " + error));
      throw new ContainerConfigException("ErrImagePull", error);
    }
    backOffs.remove(key);
    onNode.add(image);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }
}
