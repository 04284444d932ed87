#!/usr/bin/env bash
# GPU acceptance of issue 17, run from the bundle (kernels/target/gpu-bundle, made by
# `./mvnw -pl kernels -am package`): jre/ (jlinked JDK 25), lib/ (jars), reference.py.
#
#   acceptance.sh [--dry-run] [WORK_DIR]
#
# Full run (a machine with one CUDA GPU, its driver, python3 with torch, transformers and peft; no
# JDK, no network): the cuda backend, a Qwen2.5-0.5B-shaped random model, PyTorch on CUDA.
# --dry-run: the same steps on the host build (host-device) and PyTorch on the CPU, with reduced
# shapes (AcceptanceShapes.dry); performance targets are not evaluated. Every line of the report
# says which mode it is.
#
# Steps: parity (GpuParityTest, every kernel vs the CPU backend), logits (4 adapters + base in one
# batch vs transformers+PEFT), decode (tokens/s at each batch vs the HBM bound and PyTorch eager;
# 32 distinct adapters at batch 32), train (200 steps vs the CPU loss curve; the trained adapter
# in PEFT). Exit 0 when every correctness check passed; the performance targets are reported as
# MET / NOT MET in WORK_DIR/report.md and do not change the exit status.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
mode=full
device=cuda
torch_device=cuda
if [ "${1:-}" = "--dry-run" ]; then
  mode=dry
  device=host-device
  torch_device=cpu
  shift
fi
work="${1:-$here/work}"
mkdir -p "$work/tmp"
work="$(cd "$work" && pwd)"
JAVA="${JAVA:-$here/jre/bin/java}"
PYTHON="${PYTHON:-python3}"
if [ "$mode" = full ]; then
  heap=32g batches=1,8,32,128 steps=16 prompt=32
else
  heap=1g batches=1,2,4 steps=2 prompt=4
fi
# JCuda unpacks its natives into java.io.tmpdir; the host build's library goes there too.
java_cmd=("$JAVA" "-Xmx$heap" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
  "-Djava.io.tmpdir=$work/tmp" -cp "$here/lib/*" io.lorafleet.kernels.gpu.Acceptance)
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1 HF_HOME="$work/hf-home"

report="$work/report.md"
failed=0
{
  echo "# GPU acceptance report ($mode)"
  echo
  [ "$mode" = dry ] && echo "**DRY RUN**: host-device (CUDA sources compiled for the host), PyTorch on the CPU, reduced shapes. Not a GPU result." && echo
  echo "started $(date -u +%FT%TZ) on $(uname -n); java: $("$JAVA" -version 2>&1 | head -1)"
  [ "$mode" = full ] && command -v nvidia-smi >/dev/null && echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
  echo
  echo "| step | result | seconds |"
  echo "|---|---|---|"
} >"$report"

# step NAME COMMAND...: runs it (at most STEP_TIMEOUT seconds, so a hung launch cannot eat the
# whole GPU lease), appends its output to the log and a row to the report.
step_timeout="${STEP_TIMEOUT:-400}"
step() {
  local name="$1"
  shift
  local start=$SECONDS
  echo "=== $name ($mode): $*"
  timeout --kill-after=10 "$step_timeout" "$@" 2>&1 | tee -a "$work/acceptance.log"
  local rc=${PIPESTATUS[0]}
  local result=PASS
  if [ "$rc" -ne 0 ]; then result="FAIL (exit $rc)"; failed=1; fi
  echo "| $name | $result | $((SECONDS - start)) |" >>"$report"
  echo "=== $name: $result in $((SECONDS - start)) s"
  return "$rc"
}

total_start=$SECONDS
step "parity: GpuParityTest, every kernel vs the CPU backend" "${java_cmd[@]}" parity "$mode" "$device" "$work"
if step "model: random $([ "$mode" = full ] && echo Qwen2.5-0.5B || echo reduced)-shaped model, 4 adapters" \
  "${java_cmd[@]}" model "$mode" "$device" "$work"; then
  step "logits: ours ($device)" "${java_cmd[@]}" logits "$mode" "$device" "$work" &&
    step "logits: vs transformers+PEFT ($torch_device, fp32)" \
      "$PYTHON" "$here/reference.py" logits --work "$work" --device "$torch_device" --bound 1e-4
  step "bandwidth: device copy" "$PYTHON" "$here/reference.py" bandwidth --work "$work" --device "$torch_device"
  step "decode: ours, batches $batches, distinct adapters" "${java_cmd[@]}" decode "$mode" "$device" "$work" &&
    step "decode: PyTorch eager ($torch_device)" "$PYTHON" "$here/reference.py" decode --work "$work" \
      --device "$torch_device" --batches "$batches" --steps "$steps" --prompt-length "$prompt" &&
    step "decode: summary against the targets" "$PYTHON" "$here/reference.py" summary --work "$work" --mode "$mode"
fi
step "train: loss curve on $device vs the CPU" "${java_cmd[@]}" train "$mode" "$device" "$work" &&
  step "train: the trained adapter in PEFT ($torch_device)" \
    "$PYTHON" "$here/reference.py" peft --work "$work" --device "$torch_device" --bound 1e-4

{
  echo
  echo "total: $((SECONDS - total_start)) s; correctness: $([ $failed = 0 ] && echo PASS || echo FAIL)"
  echo
  [ -f "$work/decode-summary.md" ] && cat "$work/decode-summary.md"
  [ -f "$work/loss-curves.txt" ] && echo && echo "loss curves (first and last lines of loss-curves.txt):" &&
    echo '```' && head -4 "$work/loss-curves.txt" && echo ... && tail -2 "$work/loss-curves.txt" && echo '```'
} >>"$report"
echo
cat "$report"
exit $failed
