package io.lorafleet.testcluster.kubelet;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The images the test plane's registry serves: what a test set-up pushes ({@link #push}) can be
 * pulled, any other image cannot, and its pod waits in {@code ErrImagePull} then {@code
 * ImagePullBackOff} as on a cluster whose registry lacks the image (a typo in a tag, an image never
 * pushed). Names are compared as the kubelet compares them after adding the default tag: {@code
 * busybox} is {@code busybox:latest}.
 */
public final class ImageRegistry {
  private final Set<String> images = ConcurrentHashMap.newKeySet();
  private final Predicate<String> alsoServed;

  private ImageRegistry(Predicate<String> alsoServed) {
    this.alsoServed = alsoServed;
  }

  /** A registry holding {@code images}. */
  public static ImageRegistry of(String... images) {
    ImageRegistry registry = new ImageRegistry(image -> false);
    for (String image : images) {
      registry.push(image);
    }
    return registry;
  }

  /**
   * A registry serving the images {@code served} accepts (as named in the pod), plus those pushed:
   * for a node of real processes, say, the images that have a local command ({@link LocalImage}).
   */
  public static ImageRegistry serving(Predicate<String> served) {
    return new ImageRegistry(served);
  }

  /** Makes {@code image} pullable from now on. */
  public ImageRegistry push(String image) {
    images.add(withDefaultTag(image));
    return this;
  }

  /** Whether a pull of {@code image} succeeds. */
  public boolean contains(String image) {
    return images.contains(withDefaultTag(image)) || alsoServed.test(image);
  }

  /**
   * The image as the kubelet pulls it: {@code :latest} added when it names neither a tag nor a
   * digest (a colon in the registry host's port is not a tag).
   */
  static String withDefaultTag(String image) {
    if (image.contains("@")) {
      return image;
    }
    String lastPart = image.substring(image.lastIndexOf('/') + 1);
    return lastPart.contains(":") ? image : image + ":latest";
  }

  /**
   * The pull policy the API server gives a container that names none: Always for a {@code :latest}
   * or untagged image, else IfNotPresent.
   */
  static String defaultPullPolicy(String image) {
    return withDefaultTag(image).endsWith(":latest") && !image.contains("@")
        ? "Always"
        : "IfNotPresent";
  }
}
