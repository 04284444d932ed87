# Sourced by the image scripts: podman with private storage and settings under images/target,
# so nothing system-wide changes and no Docker engine or registry is involved.
#   runtime = runc:        crun 1.8 refuses this kind of host's hybrid cgroup layout;
#   default_ulimits:       podman's defaults exceed the hard limits of these machines.
images_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$images_dir/.." && pwd)"
images_target="$images_dir/target"
podman_home="$images_target/podman"
mkdir -p "$podman_home/storage" "$podman_home/run"
cat > "$podman_home/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
cat > "$podman_home/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$podman_home/storage"
runroot = "$podman_home/run"
CONF
export CONTAINERS_CONF="$podman_home/containers.conf"
export CONTAINERS_STORAGE_CONF="$podman_home/storage.conf"

# Podman, buildah and runc from Debian when missing (needs root); a clear failure otherwise.
require_podman() {
  if command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1; then
    return
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "images: podman and runc are needed and cannot be installed here (not root, or no apt-get)." >&2
    echo "images: install podman and runc, or skip the images with -DskipImages." >&2
    exit 1
  fi
  echo "images: installing podman, buildah, runc from Debian (apt-get)..." >&2
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends podman buildah runc iptables containernetworking-plugins catatonit) >&2; then
    echo "images: apt-get could not install podman; see the messages above." >&2
    exit 1
  fi
}
