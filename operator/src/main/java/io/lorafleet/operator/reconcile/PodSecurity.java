package io.lorafleet.operator.reconcile;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * The security settings of every pod the operator creates (serving, trainer and merge pods): they
 * pass the Pod Security Standard {@code restricted}, and the process can read the Secrets mounted
 * into it. A real kubelet writes Secret files owned by root; with {@code fsGroup} set it gives them
 * that group, so a non-root process reads them through its group bit.
 */
public final class PodSecurity {
  /** The UID and GID our images run as (server-image and trainer-image: USER 10001:10001). */
  public static final long USER = 10001;

  /** Secret files: owner root and group fsGroup may read, nobody else. */
  public static final int SECRET_FILE_MODE = 0440;

  private PodSecurity() {}

  /**
   * Non-root as {@link #USER} (also for images that declare no numeric USER, such as vLLM's, which
   * runAsNonRoot alone would refuse to start), fsGroup so mounted Secrets are readable, and the
   * runtime's default seccomp profile.
   */
  public static PodSecurityContext pod() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(USER)
        .withRunAsGroup(USER)
        .withFsGroup(USER)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /** No privilege escalation and no capabilities; a read-only root file system when asked. */
  public static SecurityContext container(boolean readOnlyRootFilesystem) {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(readOnlyRootFilesystem ? Boolean.TRUE : null)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }
}
