package io.lorafleet.testcluster;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.lorafleet.ports.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntSupplier;

/**
 * A real Kubernetes control plane on loopback for tests: etcd, kube-apiserver (RBAC, the default
 * admission plugins with PodSecurity, plus OwnerReferencesPermissionEnforcement; service-account
 * tokens), kube-controller-manager (every default controller: Deployment, ReplicaSet, Job, garbage
 * collector, service accounts, namespace deletion ...) and kube-scheduler. There are no nodes: pods
 * stay Pending unless a kubelet stand-in registers a Node.
 *
 * <p>{@link #shared()} starts one per JVM (stopped when the JVM exits); {@link #start(Path)} one
 * that the caller closes. With an {@link Audit}, the API server logs the requests of chosen users
 * (a ServiceAccount's, say) so a test can check what they did and whether RBAC denied any.
 */
public final class ControlPlane implements AutoCloseable {
  /** The issuer and audience of service-account tokens, as on a kubeadm cluster. */
  public static final String SERVICE_ACCOUNT_ISSUER =
      "https://kubernetes.default.svc.cluster.local";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final int START_ATTEMPTS = 3;
  private static ControlPlane shared;

  private final Path workDir;
  private final List<ManagedProcess> processes = new ArrayList<>();

  /**
   * Where {@link #shared()} publishes the running control plane (work dir, URL, CA file, admin
   * token), so that a test class loaded by another class loader (a Quarkus test) in the same JVM
   * attaches to it instead of starting a second one.
   */
  private static final String SHARED_PROPERTY = "lorafleet.controlplane.shared";

  private final StaticIdentity admin;
  private final Optional<Audit> audit;
  private String url;
  private Path caFile;
  private Duration startup;
  private KubernetesClient adminClient;

  private ControlPlane(Path workDir, StaticIdentity admin, Optional<Audit> audit) {
    this.workDir = workDir;
    this.admin = admin;
    this.audit = audit;
  }

  /** The JVM's control plane, started on first use in a fresh folder under java.io.tmpdir. */
  public static synchronized ControlPlane shared() {
    return shared(Optional.empty());
  }

  /**
   * The JVM's control plane, started on first use with this audit. All callers in a JVM must ask
   * for the same audit: a second, different one cannot be added to a running API server.
   */
  public static synchronized ControlPlane shared(Optional<Audit> audit) {
    if (shared == null && System.getProperty(SHARED_PROPERTY) != null) {
      shared = attach(System.getProperty(SHARED_PROPERTY).split("\n", -1));
    }
    if (shared != null && !shared.audit.equals(audit)) {
      throw new IllegalStateException(
          "the shared control plane runs with audit " + shared.audit + ", not " + audit);
    }
    if (shared == null) {
      Path dir =
          Path.of(System.getProperty("java.io.tmpdir"))
              .resolve("controlplane-" + UUID.randomUUID().toString().substring(0, 8));
      try {
        shared = start(dir, audit);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ControlPlane started = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "controlplane-stop"));
      System.setProperty(
          SHARED_PROPERTY,
          String.join(
              "\n",
              started.workDir.toString(),
              started.url,
              started.caFile.toString(),
              started.admin.token(),
              audit.map(a -> a.log() + "\t" + String.join(",", a.userGroups())).orElse("")));
    }
    return shared;
  }

  /** A handle on the shared control plane another class loader started; it owns no process. */
  private static ControlPlane attach(String[] published) {
    Optional<Audit> audit =
        published[4].isEmpty()
            ? Optional.empty()
            : Optional.of(
                new Audit(
                    Path.of(published[4].split("\t")[0]),
                    List.of(published[4].split("\t")[1].split(","))));
    ControlPlane plane =
        new ControlPlane(
            Path.of(published[0]),
            new StaticIdentity("lorafleet-test-admin", List.of("system:masters"), published[3]),
            audit);
    plane.url = published[1];
    plane.caFile = Path.of(published[2]);
    plane.startup = Duration.ZERO;
    plane.adminClient = new KubernetesClientBuilder().withConfig(plane.adminConfig()).build();
    return plane;
  }

  /** Starts a control plane whose data, certificates and logs live in {@code workDir}. */
  public static ControlPlane start(Path workDir) throws IOException {
    return start(workDir, Optional.empty());
  }

  /** As {@link #start(Path)}, the API server also writing {@code audit}'s log. */
  public static ControlPlane start(Path workDir, Optional<Audit> audit) throws IOException {
    return start(workDir, audit, LoopbackPorts::next);
  }

  /**
   * As {@link #start(Path, Optional)}, the first attempt taking its ports from {@code ports} (a
   * test hands it one that is taken); later attempts draw free ones.
   */
  static ControlPlane start(Path workDir, Optional<Audit> audit, IntSupplier ports)
      throws IOException {
    for (int attempt = 1; ; attempt++) {
      ControlPlane plane =
          new ControlPlane(
              workDir, StaticIdentity.of("lorafleet-test-admin", "system:masters"), audit);
      try {
        plane.startAll(ControlPlaneBinaries.locate(), attempt == 1 ? ports : LoopbackPorts::next);
        return plane;
      } catch (IOException | RuntimeException e) {
        boolean lostAPortRace = plane.lostAPortRace();
        plane.close();
        if (attempt < START_ATTEMPTS && lostAPortRace) {
          System.err.printf(
              "control plane: a port was taken before its process bound it (attempt %d); starting"
                  + " again on new ports%n",
              attempt);
          keepLogsAndClear(workDir, attempt);
          continue;
        }
        throw e;
      }
    }
  }

  private void startAll(ControlPlaneBinaries binaries, IntSupplier ports) throws IOException {
    Instant began = Instant.now();
    Instant deadline = began.plus(START_TIMEOUT);
    Files.createDirectories(workDir.resolve("certs"));
    Path logs = Files.createDirectories(workDir.resolve("logs"));

    int etcdPort = ports.getAsInt();
    int peerPort = ports.getAsInt();
    String etcdUrl = "http://127.0.0.1:" + etcdPort;
    String peerUrl = "http://127.0.0.1:" + peerPort;
    ManagedProcess etcd =
        launch(
            binaries,
            "etcd",
            logs,
            List.of(
                "--name=test",
                "--data-dir=" + workDir.resolve("etcd"),
                "--listen-client-urls=" + etcdUrl,
                "--advertise-client-urls=" + etcdUrl,
                "--listen-peer-urls=" + peerUrl,
                "--initial-advertise-peer-urls=" + peerUrl,
                "--initial-cluster=test=" + peerUrl,
                // Test data only: losing it on a crash is fine, and fsync dominates on slow disks.
                "--unsafe-no-fsync=true",
                "--log-level=warn"));
    Readiness.awaitHttpOk(etcd, etcdUrl + "/health", deadline);

    StaticIdentity controllerManager = StaticIdentity.of("system:kube-controller-manager");
    StaticIdentity scheduler = StaticIdentity.of("system:kube-scheduler");
    Path tokens =
        StaticIdentity.writeTokenFile(
            workDir.resolve("tokens.csv"), List.of(admin, controllerManager, scheduler));
    Path serviceAccountKey = ServiceAccountKey.write(workDir.resolve("service-account.key"));
    int port = ports.getAsInt();
    url = "https://127.0.0.1:" + port;
    // The API server writes a self-signed CA and serving certificate for its addresses here.
    caFile = workDir.resolve("certs/apiserver.crt");
    List<String> apiServerFlags =
        new ArrayList<>(
            List.of(
                "--etcd-servers=" + etcdUrl,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                "--secure-port=" + port,
                "--cert-dir=" + workDir.resolve("certs"),
                "--token-auth-file=" + tokens,
                "--authorization-mode=RBAC",
                "--enable-admission-plugins=OwnerReferencesPermissionEnforcement",
                "--allow-privileged=true",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--service-account-issuer=" + SERVICE_ACCOUNT_ISSUER,
                "--service-account-key-file=" + serviceAccountKey,
                "--service-account-signing-key-file=" + serviceAccountKey,
                "--profiling=false"));
    if (audit.isPresent()) {
      apiServerFlags.addAll(audit.get().apiServerFlags(workDir));
    }
    ManagedProcess apiServer = launch(binaries, "kube-apiserver", logs, apiServerFlags);
    Readiness.awaitApiServer(apiServer, url + "/readyz", caFile, admin.token(), deadline);

    launch(
        binaries,
        "kube-controller-manager",
        logs,
        List.of(
            "--kubeconfig="
                + controllerManager.writeKubeconfig(
                    workDir.resolve("controller-manager.kubeconfig"), url, caFile),
            "--secure-port=0",
            "--leader-elect=false",
            // Each controller acts as its own ServiceAccount, with the bootstrap RBAC roles.
            "--use-service-account-credentials=true",
            "--service-account-private-key-file=" + serviceAccountKey,
            "--root-ca-file=" + caFile));
    launch(
        binaries,
        "kube-scheduler",
        logs,
        List.of(
            "--kubeconfig="
                + scheduler.writeKubeconfig(workDir.resolve("scheduler.kubeconfig"), url, caFile),
            "--secure-port=0",
            "--leader-elect=false"));
    adminClient = new KubernetesClientBuilder().withConfig(adminConfig()).build();
    // The service-account controller creates "default" in each namespace: controllers are up.
    Readiness.awaitDefaultServiceAccount(adminClient, processes, deadline);
    startup = Duration.between(began, Instant.now());
    System.err.printf(
        "control plane (%s) started in %d ms; logs in %s%n",
        binaries.dir(), startup.toMillis(), logs);
  }

  /** Whether a process failed because another listener took its port between choice and bind. */
  private boolean lostAPortRace() {
    for (ManagedProcess process : processes) {
      try {
        if (Files.isRegularFile(process.log())
            && Files.readString(process.log()).contains("address already in use")) {
          return true;
        }
      } catch (IOException | RuntimeException e) {
        // An unreadable log is no evidence of a race.
      }
    }
    return false;
  }

  /** Moves the failed attempt's logs aside (they are the evidence) and empties the folder. */
  private static void keepLogsAndClear(Path workDir, int attempt) throws IOException {
    Path logs = workDir.resolve("logs");
    if (Files.isDirectory(logs)) {
      Files.move(
          logs, workDir.resolveSibling(workDir.getFileName() + "-attempt" + attempt + "-logs"));
    }
    deleteRecursively(workDir);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private ManagedProcess launch(
      ControlPlaneBinaries binaries, String name, Path logs, List<String> args) throws IOException {
    ManagedProcess process = ManagedProcess.start(name, binaries.binary(name), args, logs);
    processes.add(process);
    return process;
  }

  public String url() {
    return url;
  }

  /** The PEM file of the CA that signed the API server's serving certificate. */
  public Path caFile() {
    return caFile;
  }

  /** How long the last start took, from launching etcd to the controllers being up. */
  public Duration startup() {
    return startup;
  }

  /** A member of system:masters. */
  public Config adminConfig() {
    return configWithToken(admin.token());
  }

  /** A shared client of {@link #adminConfig()}; do not close it. */
  public KubernetesClient adminClient() {
    return adminClient;
  }

  /**
   * A configuration that authenticates as the ServiceAccount (which must exist) with a token the
   * API server issues for it (TokenRequest, valid for an hour), as a pod of it would.
   */
  public Config serviceAccountConfig(String namespace, String serviceAccount) {
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(SERVICE_ACCOUNT_ISSUER)
            .withExpirationSeconds(3600L)
            .endSpec()
            .build();
    TokenRequest issued =
        adminClient
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(serviceAccount)
            .tokenRequest(request);
    Config config = configWithToken(issued.getStatus().getToken());
    config.setNamespace(namespace);
    return config;
  }

  private Config configWithToken(String token) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url)
        .withCaCertFile(caFile.toString())
        .withOauthToken(token)
        .build();
  }

  /** Writes a kubeconfig for the admin, for tools and for code that reads KUBECONFIG. */
  public Path writeAdminKubeconfig(Path file) throws IOException {
    return admin.writeKubeconfig(file, url, caFile);
  }

  /** The audit this control plane runs with, if any. */
  public Optional<Audit> audit() {
    return audit;
  }

  /** The log files of etcd, kube-apiserver, kube-controller-manager and kube-scheduler. */
  public Path logDir() {
    return workDir.resolve("logs");
  }

  @Override
  public synchronized void close() {
    if (adminClient != null) {
      adminClient.close();
      adminClient = null;
    }
    // Clients first: the scheduler and controllers, then the API server, then its storage.
    for (ManagedProcess process : processes.reversed()) {
      process.close();
    }
    processes.clear();
  }
}
