package io.lorafleet.testcluster.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;

/**
 * What the kubelet hands a runtime to start one container.
 *
 * @param pod the pod as last seen
 * @param container the container to start
 * @param podIP the pod's own loopback address, where its ports are to be bound
 * @param volumes the pod's volumes, materialised on disk
 * @param containerDir a directory of this container (logs, root file system), owned by root
 * @param paths the container's mount paths translated to local ones
 * @param restartCount how often the container was restarted before this run
 * @param client the kubelet's client, to resolve environment references
 */
public record ContainerLaunch(
    Pod pod,
    Container container,
    String podIP,
    PodVolumes volumes,
    Path containerDir,
    PathTranslator paths,
    int restartCount,
    KubernetesClient client) {
  public String namespace() {
    return pod.getMetadata().getNamespace();
  }

  public String podName() {
    return pod.getMetadata().getName();
  }
}
