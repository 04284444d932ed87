#!/usr/bin/env bash
# One command for the four container images (operator, server, trainer, router), without a Docker
# engine or a registry: podman/buildah on a base made locally from this machine's JDK 25, the
# applications taken from the reactor's outputs, each image exported as a docker-archive tarball
# (for `docker load`, `kind load image-archive`, `k3s ctr images import`).
#
#   images/build.sh                 packages the reactor (./mvnw package -DskipTests) first
#   images/build.sh --skip-maven    uses the existing target/ outputs (the Maven images module)
#
# Image names and tags are the chart's defaults (charts/lorafleet/values.yaml, appVersion), so a
# loaded image is what `helm install` pulls. Archives: images/target/archives/*.tar.
set -euo pipefail
source "$(dirname "$0")/podman-env.sh"
export JAVA_HOME="${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"

skip_maven=false
for arg in "$@"; do
  case "$arg" in
    --skip-maven) skip_maven=true ;;
    *) echo "usage: images/build.sh [--skip-maven]" >&2; exit 2 ;;
  esac
done

started=$SECONDS
if ! $skip_maven; then
  (cd "$repo_root" && ./mvnw -B -q -ntp -pl operator,server-image,trainer-image,router -am package \
    -DskipTests -Dspotless.check.skip=true)
fi
require_podman

source "$images_dir/image-names.sh"
for required in operator/target/quarkus-app/quarkus-run.jar server-image/target/quarkus-app/quarkus-run.jar \
  trainer-image/target/lib router/target/quarkus-app/quarkus-run.jar; do
  [ -e "$repo_root/$required" ] || { echo "images: $required is missing; run ./mvnw package first" >&2; exit 1; }
done

"$images_dir/base/make-base.sh"

# The build context holds only what the `prebuilt` stages copy, at the paths the Dockerfiles name.
context="$images_target/context"
rm -rf "$context" && mkdir -p "$context/operator/target" "$context/server-image/target" \
  "$context/trainer-image/target/app" "$context/router/target"
cp -r "$repo_root/operator/target/quarkus-app" "$context/operator/target/"
cp -r "$repo_root/server-image/target/quarkus-app" "$context/server-image/target/"
cp -r "$repo_root/router/target/quarkus-app" "$context/router/target/"
cp -r "$repo_root/trainer-image/target/lib" "$context/trainer-image/target/"
trainer_jar="$(ls "$repo_root"/trainer-image/target/lorafleet-trainer-image-*.jar \
  | grep -vE -- '-(sources|javadoc|tests)\.jar$' | head -1)"
cp "$trainer_jar" "$context/trainer-image/target/app/trainer.jar"

revision="$(git -C "$repo_root" rev-parse HEAD 2>/dev/null || echo unknown)"
if [ "$revision" != unknown ] && [ -n "$(git -C "$repo_root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  revision="$revision-dirty"
fi
# --no-cache: buildah 1.28 reused a cached LABEL layer after REVISION changed (an image labelled
# with an older commit, caught by ImageMetadataTest); the builds are only COPY steps anyway.
build() { # name dockerfile
  podman build --pull=never --no-cache -q -f "$repo_root/$2" -t "$1" \
    --build-arg APP_SOURCE=prebuilt \
    --build-arg JRE_IMAGE=localhost/lorafleet/jre:25 \
    --build-arg RUNTIME_BASE=localhost/lorafleet/runtime-base:25 \
    --build-arg VERSION="$image_version" --build-arg REVISION="$revision" \
    --build-arg SOURCE="$image_source" "$context" >/dev/null
}
build "$operator_image" operator/Dockerfile
build "$server_image" server-image/Dockerfile
build "$trainer_image" trainer-image/Dockerfile
build "$router_image" router/Dockerfile

archives="$images_target/archives"
rm -rf "$archives" && mkdir -p "$archives"
# What was built, for the smoke test (images/src/test) and other tools.
printf 'operator=%s\nserver=%s\ntrainer=%s\nrouter=%s\nversion=%s\nrevision=%s\n' "$operator_image" \
  "$server_image" "$trainer_image" "$router_image" "$image_version" "$revision" > "$images_target/images.properties"
echo "images (version $image_version, revision $revision), built in $((SECONDS - started)) s:"
for image in "$operator_image" "$server_image" "$trainer_image" "$router_image"; do
  name="$(basename "${image%%:*}")"
  podman save -q --format docker-archive -o "$archives/lorafleet-$name-$image_version.tar" "$image"
  size="$(podman image inspect --format '{{.Size}}' "$image")"
  printf '  %-36s %4d MB   %s (%d MB)\n' "$image" $((size / 1000000)) \
    "${archives#"$repo_root/"}/lorafleet-$name-$image_version.tar" \
    $(($(stat -c %s "$archives/lorafleet-$name-$image_version.tar") / 1000000))
done
