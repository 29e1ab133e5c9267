#!/usr/bin/env bash
# Local rehearsal of the GPU session on the CPU, with the same scripts and tiny budgets:
#   call 1 (carries .carry/part-a):  device_run.sh --gpu-check   (CHECK_DEVICE=cpu here)
#   call 2 (carries .carry/part-b):  device_run.sh --smoke       (the training call's code paths)
#   then export.py from call 2's outputs into /tmp (never into public/).
# Each call runs in a fresh copy of training/ holding only the part that call would carry, and /tmp/cifar is
# replaced by a fresh $REHEARSE_DIR/cifar, so staging across calls is exercised as on the device.
# Usage: bash training/rehearse.sh   (needs .carry/part-a and part-b: /usr/bin/python3 training/pack_data.py)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
R=${REHEARSE_DIR:-/tmp/crossbar-rehearsal}
export PYTHON=${PYTHON:-/usr/bin/python3}
export CIFAR_STAGE="$R/cifar"
rm -rf "$R"
mkdir -p "$R"
stamp() { date +%s%N; }
call() {  # name part device_run-args...   (extra environment: set it in a subshell around the call)
  local name=$1 part=$2
  shift 2
  rm -rf "$R/tree"
  mkdir -p "$R/tree/.carry" "$R/out-$name"
  cp -r "$HERE" "$R/tree/training"
  rm -rf "$R/tree/training/__pycache__"
  cp -r "$REPO/.carry/$part" "$R/tree/.carry/"
  local t0 rc=0
  t0=$(stamp)
  (cd "$R/tree" && OUT="$R/out-$name" bash training/device_run.sh "$@") > "$R/$name.stdout" 2>&1 || rc=$?
  echo "$name: exit $rc, $(( ($(stamp) - t0) / 1000000 )) ms; outputs: $(cd "$R/out-$name" && ls | tr '\n' ' ')"
  grep -E 'training done|test top-1|device_run end|exited' "$R/$name.stdout" | cut -c1-160 | sed 's/^/    /'
  return $rc
}
(
  export CHECK_DEVICE=cpu BATCH=16 VGG_BUDGET_S=4 GN_BUDGET_S=6
  export CHECK_ARGS='--n-train 64 --n-test 64 --threads 1 --eval-batch 32'
  call 1-gpu-check part-a --gpu-check
)
call 2-train-smoke part-b --smoke
t0=$(stamp)
"$PYTHON" "$HERE/export.py" --weights-dir "$R/out-2-train-smoke" --out-dir "$R/export" > "$R/export.stdout" 2>&1
echo "export: $(( ($(stamp) - t0) / 1000000 )) ms"
cut -c1-220 "$R/export.stdout" | sed 's/^/    /'
echo "rehearsal OK: $R"
