package io.lorafleet.operator.chart;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The chart's identity and permissions as {@code helm template} renders them (the real helm, from
 * npm): its ServiceAccount, (Cluster)Roles and (Cluster)RoleBindings, ready to apply to a real API
 * server so tests run the operator with exactly what an install grants it.
 */
public final class ChartRbac {
  private static final Set<String> KINDS =
      Set.of("ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding");

  private ChartRbac() {}

  /** The rendered RBAC objects of a release named {@code release} in {@code namespace}. */
  public static List<HasMetadata> render(
      KubernetesClient client, Path root, String release, String namespace, String... sets)
      throws Exception {
    Helm helm = Helm.install(root.resolve("operator/target"));
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "template",
                release,
                root.resolve("charts/lorafleet").toString(),
                "--namespace",
                namespace));
    for (String set : sets) {
      args.addAll(List.of("--set", set));
    }
    String yaml = helm.run(args.toArray(String[]::new));
    return client
        .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
        .items()
        .stream()
        .filter(o -> o != null && KINDS.contains(o.getKind()))
        .toList();
  }
}
