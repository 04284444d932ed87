#!/usr/bin/env bash
# Builds the control plane the tests run against (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) from the Go modules pinned in go.mod/go.sum beside this script, with
# `go build -trimpath`, into
#   <out>/<kubernetes version>-<hash of go.mod, go.sum, the Go version and build flags>/bin/
# and prints that bin folder. A folder that is already complete is reused, so
# only the first build (or a version change) pays the compile; later calls take milliseconds.
#
# Usage: build.sh [out [bin-path-file]]
#   out           defaults to <repository root>/target/controlplane
#   bin-path-file when given, the bin folder's absolute path is also written there (the Maven build
#                 puts it on the test classpath, where ControlPlaneBinaries reads it)
# Needs Go >= 1.24 on PATH or at /usr/local/go/bin/go, and the Go module proxy (or a warm module
# cache). Without Go it fails loudly: the real-server tests cannot run without these binaries.
set -euo pipefail

# One function, called on the last line: bash reads all of it before running any (editing the
# script during a 30-minute build must not change what the running build executes).
main() {

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/target/controlplane}"
path_file="${2:-}"

report() {
  if [ -n "$path_file" ]; then
    mkdir -p "$(dirname "$path_file")"
    echo "$bin" > "$path_file"
  fi
  echo "$bin"
}

go_bin="$(command -v go || true)"
[ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go
if [ -z "$go_bin" ]; then
  echo "build.sh: Go (>= 1.24) is needed to build the test control plane (kube-apiserver, etcd);" \
    "install it (https://go.dev/dl) or put it on PATH." >&2
  exit 1
fi
go_version="$("$go_bin" env GOVERSION)"
case "$go_version" in
  go1.2[4-9]* | go1.[3-9][0-9]* | go[2-9]*) ;;
  *) echo "build.sh: $go_bin is $go_version; the control plane needs Go >= 1.24" >&2; exit 1 ;;
esac

k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ {print $2; exit}' "$here/go.mod")"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v3\./ {print $2; exit}' "$here/go.mod")"

# Never let Go fetch another toolchain, and build static binaries as the Kubernetes release does.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly"
major="${k8s_version#v}"; major="${major%%.*}"
minor="${k8s_version#v*.}"; minor="${minor%%.*}"
# The same version stamps hack/lib/version.sh sets, so /version reports the pinned release.
version_flags="-X k8s.io/component-base/version.gitVersion=$k8s_version"
version_flags+=" -X k8s.io/component-base/version.gitMajor=$major"
version_flags+=" -X k8s.io/component-base/version.gitMinor=$minor"
version_flags+=" -X k8s.io/component-base/version.gitTreeState=clean"
version_flags+=" -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"

# The key covers everything that changes the binaries: the pinned modules, the Go release, flags.
build_recipe="CGO_ENABLED=0 -trimpath -ldflags=-s -w $version_flags"
key="$(cat "$here/go.mod" "$here/go.sum" <(echo "$go_version $build_recipe") | sha256sum | cut -c1-12)"
dest="$out/$k8s_version-$key"
bin="$dest/bin"

if [ -f "$dest/complete" ]; then
  report
  return 0
fi

rm -rf "$dest.partial"
mkdir -p "$dest.partial/bin"
started=$(date +%s)
echo "build.sh: building Kubernetes $k8s_version and etcd $etcd_version with $go_version into $dest" >&2
cd "$here"
"$go_bin" build -trimpath -ldflags "-s -w $version_flags" -o "$dest.partial/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler
"$go_bin" build -trimpath -ldflags "-s -w" -o "$dest.partial/bin/etcd" go.etcd.io/etcd/server/v3
{
  echo "kubernetes=$k8s_version"
  echo "etcd=$etcd_version"
  echo "go=$go_version"
  echo "build_seconds=$(($(date +%s) - started))"
} > "$dest.partial/complete"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "build.sh: built in $(($(date +%s) - started)) s" >&2
report
}

main "$@"
