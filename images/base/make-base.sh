#!/usr/bin/env bash
# Builds the two local base images that stand in for the public bases the Dockerfiles name, from
# the JDK 25 on this machine (no registry is reachable here):
#   localhost/lorafleet/runtime-base:25  glibc and the few shared libraries the JVM and the native
#                                        tokenizer need, /etc/passwd with the numeric user 10001,
#                                        no shell (stands in for nvidia/cuda:...-runtime);
#   localhost/lorafleet/jre:25           runtime-base plus a jlinked JRE 25 at /opt/java/openjdk
#                                        (stands in for eclipse-temurin:25-jre).
# Usage: make-base.sh   (sourced settings: ../podman-env.sh)
set -euo pipefail
source "$(dirname "$0")/../podman-env.sh"
java_home="${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"

# The modules the three applications use. java.desktop: java.beans (Jackson, Jinjava: without it
# model loading fails with NoClassDefFoundError: java/beans/IntrospectionException);
# jdk.incubator.vector: the CPU engine; jdk.crypto.ec, jdk.crypto.cryptoki: TLS to object storage
# and the API server; jdk.management, jdk.jfr: Micrometer's JVM metrics.
modules=java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.prefs,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.incubator.vector,jdk.jfr,jdk.management,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.unsupported,jdk.zipfs,jdk.charsets,jdk.localedata

work="$images_target/base"
rm -rf "$work" && mkdir -p "$work/runtime/rootfs" "$work/jre"
"$java_home/bin/jlink" --add-modules "$modules" --include-locales=en \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
  --output "$work/jre/openjdk"

rootfs="$work/runtime/rootfs"
# Every shared library the JRE links against, plus the C++ runtime the native HF tokenizer
# (unpacked by DJL at run time) needs; copied with their paths, symlinks resolved.
# AWT's X11 and sound libraries are left out: only a desktop UI loads them.
libs="$( { find "$work/jre/openjdk" -name '*.so' ! -name 'libawt_xawt.so' ! -name 'libjsound.so' \
  ! -name 'libsplashscreen.so' -o -path '*/bin/*' -type f; } \
  | xargs -r ldd 2>/dev/null | awk '/=>/ {print $3} /^\s*\/lib/ {print $1}' | sort -u)"
for lib in $libs /lib64/ld-linux-x86-64.so.2 \
  /lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libgcc_s.so.1 \
  /lib/x86_64-linux-gnu/libm.so.6 /lib/x86_64-linux-gnu/librt.so.1 \
  /lib/x86_64-linux-gnu/libdl.so.2 /lib/x86_64-linux-gnu/libpthread.so.0 \
  /lib/x86_64-linux-gnu/libz.so.1; do
  [ -e "$lib" ] || continue
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/var/cache/lorafleet"
chmod 1777 "$rootfs/tmp"
chown 10001:10001 "$rootfs/var/cache/lorafleet"
printf 'root:x:0:0:root:/root:/sbin/nologin\nlorafleet:x:10001:10001:lorafleet:/tmp:/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nlorafleet:x:10001:\n' > "$rootfs/etc/group"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"

cat > "$work/runtime/Containerfile" <<'CF'
FROM scratch
COPY rootfs/ /
CF
cat > "$work/jre/Containerfile" <<'CF'
FROM localhost/lorafleet/runtime-base:25
COPY openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin
CF
podman build --pull=never -q -t localhost/lorafleet/runtime-base:25 "$work/runtime" >/dev/null
podman build --pull=never -q -t localhost/lorafleet/jre:25 "$work/jre" >/dev/null
echo "base images: runtime-base $(du -sh "$rootfs" | cut -f1), JRE $(du -sh "$work/jre/openjdk" | cut -f1) (modules: $modules)"
