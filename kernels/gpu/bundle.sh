#!/usr/bin/env bash
# Packs what the GPU machine needs for acceptance.sh into target/gpu-bundle (Maven runs this in
# `package`, after copy-dependencies; -Dlorafleet.gpu.bundle.skip=true skips it):
#   jre/   a jlinked JDK 25 runtime (the machine has no JDK): only the modules the jars use,
#          debug information stripped, no man pages or headers, zip-9 compressed
#   lib/   the kernels classes (with the fatbin and the host library), its test classes
#          (GpuParityTest and the acceptance steps), and every dependency, test libraries included
#   acceptance.sh, reference.py
# Fails when the bundle is over 64 MiB (what one call of the GPU machine may carry, with the
# working tree) or a part is missing.
set -euo pipefail
basedir="$1"
target="$2"
java_home="$3"
bundle="$target/gpu-bundle"
limit=$((64 * 1024 * 1024))

jlink="$java_home/bin/jlink"
jar="$java_home/bin/jar"
[ -x "$jlink" ] || { echo "[gpu-bundle] no jlink in $java_home (a JDK, not a JRE, must run Maven)" >&2; exit 1; }
[ -d "$target/classes/io/lorafleet/kernels" ] || { echo "[gpu-bundle] $target/classes is not built" >&2; exit 1; }
[ -d "$target/test-classes/io/lorafleet/kernels/gpu" ] || { echo "[gpu-bundle] $target/test-classes is not built" >&2; exit 1; }
[ -d "$target/gpu-bundle-deps" ] || { echo "[gpu-bundle] $target/gpu-bundle-deps is missing (copy-dependencies)" >&2; exit 1; }
if [ ! -f "$target/classes/io/lorafleet/kernels/lorafleet.fatbin" ]; then
  echo "[gpu-bundle] WARNING: no fatbin in the classes (nvcc was missing): the bundle can only dry-run" >&2
fi

rm -rf "$bundle"
mkdir -p "$bundle/lib"
# What the jars use (jdeps --print-module-deps over lib/): java.base, the Vector API (engine),
# java.logging (JCuda), jdk.unsupported (Jackson's and JCuda's Unsafe paths).
modules=java.base,jdk.incubator.vector,java.logging,jdk.unsupported
"$jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-9 --output "$bundle/jre"
# libjvm.so ships with its full symbol table (5 of its 30 MB); the dynamic symbols it needs stay.
if command -v strip >/dev/null; then strip --strip-unneeded "$bundle/jre/lib/server/libjvm.so"; fi

"$jar" --create --file "$bundle/lib/lorafleet-kernels.jar" -C "$target/classes" .
"$jar" --create --file "$bundle/lib/lorafleet-kernels-tests.jar" -C "$target/test-classes" .
cp "$target"/gpu-bundle-deps/*.jar "$bundle/lib/"
# JCuda's natives jar also carries the PTX compiler and NVRTC bindings (25 MB unpacked), which
# JCudaDevice never loads (it loads a prebuilt fatbin): repacked with the driver and runtime only.
natives=$(ls "$bundle"/lib/jcuda-natives-*.jar)
rm -rf "$target/gpu-bundle-natives" && mkdir -p "$target/gpu-bundle-natives"
(cd "$target/gpu-bundle-natives" && "$jar" xf "$natives" && rm -f lib/libJNvPTXCompiler-* lib/libJNvrtc-* &&
  "$jar" --create --file "$natives" .)
cp "$basedir/gpu/acceptance.sh" "$basedir/gpu/reference.py" "$bundle/"
chmod +x "$bundle/acceptance.sh"

size=$(du -sb "$bundle" | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "[gpu-bundle] $bundle: $(mib "$size") MiB (jre $(mib "$(du -sb "$bundle/jre" | cut -f1)") MiB," \
  "lib $(mib "$(du -sb "$bundle/lib" | cut -f1)") MiB, $(ls "$bundle/lib" | wc -l) jars); limit 64 MiB"
if [ "$size" -gt "$limit" ]; then
  echo "[gpu-bundle] the bundle is $size bytes, over the 64 MiB a GPU call may carry" >&2
  exit 1
fi
