#!/usr/bin/env bash
# The single GPU training call: stage any carried data part, decode and verify CIFAR-10 in /tmp/cifar, then
# train VGG-8 and GoogLeNet CONCURRENTLY as two processes on the one GPU, each on a wall-clock budget, and
# write weights, logs and result.json to $OUT progressively (see training/README.md).
#
#   device:  OUT=... bash training/device_run.sh              (python3 = torch with CUDA)
#   device:  OUT=... bash training/device_run.sh --gpu-check  (~40 s: same code on CUDA with short budgets on
#            whatever batches are staged (part-a: data_batch_1-2 + test_batch); weights stay in /tmp, only logs
#            and result.json come back; measures img/s of both models running concurrently)
#   local:   OUT=/tmp/out PYTHON=/usr/bin/python3 bash training/device_run.sh --smoke   (CPU, tiny)
#
# Whole-script wall time is capped by TOTAL_S (default 540 s): the trainers get an absolute deadline of
# T0 + TOTAL_S - FINAL_RESERVE_S, and a hard `timeout` kills them at T0 + TOTAL_S + 15 s at the latest.
set -euo pipefail
T0=$(date +%s)
MODE=train
case "${1:-}" in
  --smoke) MODE=smoke ;;
  --gpu-check) MODE=gpu-check ;;
  '') ;;
  *) echo "usage: device_run.sh [--smoke|--gpu-check]" >&2; exit 2 ;;
esac
: "${OUT:?set OUT to the folder whose files come back}"
mkdir -p "$OUT"
# Where the trainers write: $OUT, except in the GPU check (its weights are not worth transferring back).
TRAIN_OUT=$OUT
if [[ $MODE == gpu-check ]]; then TRAIN_OUT=/tmp/crossbar-gpu-check; rm -rf "$TRAIN_OUT"; mkdir -p "$TRAIN_OUT"; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
cd "$REPO"
PY=${PYTHON:-python3}
CIFAR=${CIFAR_STAGE:-/tmp/cifar}
LOG="$OUT/device_run.log"
log() { echo "[$(date -u +%H:%M:%S) +$(( $(date +%s) - T0 ))s run] $*" | tee -a "$LOG"; }

if [[ $MODE == smoke ]]; then
  TOTAL_S=${TOTAL_S:-150}
  FINAL_RESERVE_S=${FINAL_RESERVE_S:-60}
  VGG_BUDGET_S=${VGG_BUDGET_S:-6}
  GN_BUDGET_S=${GN_BUDGET_S:-10}
  BATCH=${BATCH:-16}
  EXTRA=(--smoke --device "${SMOKE_DEVICE:-cpu}" --n-train "${SMOKE_N_TRAIN:-64}" --n-test "${SMOKE_N_TEST:-64}"
         --eval-batch 32 --threads 1 --eval-every-s 2 --ckpt-every-s 3 --width "${SMOKE_WIDTH:-1.0}")
elif [[ $MODE == gpu-check ]]; then
  TOTAL_S=${TOTAL_S:-100}
  FINAL_RESERVE_S=${FINAL_RESERVE_S:-40}
  VGG_BUDGET_S=${VGG_BUDGET_S:-12}
  GN_BUDGET_S=${GN_BUDGET_S:-20}
  BATCH=${BATCH:-512}
  # CHECK_DEVICE/CHECK_ARGS exist only to rehearse this mode on a CPU (e.g. CHECK_ARGS='--n-test 64').
  # shellcheck disable=SC2206
  EXTRA=(--smoke --device "${CHECK_DEVICE:-cuda}" --eval-every-s 6 --ckpt-every-s 8 ${CHECK_ARGS:-})
else
  TOTAL_S=${TOTAL_S:-540}
  FINAL_RESERVE_S=${FINAL_RESERVE_S:-45}
  VGG_BUDGET_S=${VGG_BUDGET_S:-200}
  GN_BUDGET_S=${GN_BUDGET_S:-430}
  BATCH=${BATCH:-512}
  EXTRA=(--device cuda --eval-every-s 60 --ckpt-every-s 60)
fi
VGG_LR=${VGG_LR:-0.2}
GN_LR=${GN_LR:-0.4}
SEED=${SEED:-1}
export PYTHONHASHSEED=$SEED

log "device_run start: mode=$MODE repo=$REPO OUT=$OUT python=$("$PY" -c 'import sys; print(sys.version.split()[0])')"
log "host $(uname -n), $(nproc) cores; git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

# 1. Stage the data parts carried with this call (earlier calls staged the others into $CIFAR).
shopt -s nullglob
for p in .carry/part-*; do
  if [[ -f "$p/part.json" ]]; then bash "$HERE/device_stage.sh" "$p" 2>&1 | tee -a "$LOG"; fi
done
# 2. Decode whatever is still missing and verify all six batches against the official SHA-256 sums
#    (the GPU check runs on the batches staged so far; device_stage.sh has verified those).
if [[ $MODE != gpu-check ]]; then
  "$PY" "$HERE/unpack_data.py" --stage "$CIFAR/stage" --raw "$CIFAR/raw" --jobs 6 2>&1 | tee -a "$LOG"
fi

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader 2>&1 \
    | sed 's/^/gpu: /' | tee -a "$LOG" || true
fi

# 3. The trainers, concurrently (default) or one after the other when the GPU is in an exclusive compute
#    mode (a second CUDA context would fail) or CONCURRENT=0. stdout (one line per epoch) goes to this
#    call's output; stderr also goes to the logs.
CONCURRENT=${CONCURRENT:-auto}
if [[ $CONCURRENT == auto ]]; then
  CONCURRENT=1
  if command -v nvidia-smi >/dev/null 2>&1 && [[ $MODE != smoke ]]; then
    CMODE=$(nvidia-smi --query-gpu=compute_mode --format=csv,noheader 2>/dev/null | head -n1 || true)
    log "gpu compute mode: ${CMODE:-unknown}"
    if [[ ${CMODE:-} == *Exclusive* || ${CMODE:-} == *Prohibited* ]]; then CONCURRENT=0; fi
  fi
fi
NOW=$(date +%s)
DEADLINE=$(( T0 + TOTAL_S - FINAL_RESERVE_S ))
HARD=$(( T0 + TOTAL_S + 15 ))
if [[ $CONCURRENT == 0 ]]; then
  # Sequential: VGG-8 gets a shorter budget alone on the GPU, GoogLeNet the rest up to the deadline.
  VGG_BUDGET_S=${VGG_SEQ_BUDGET_S:-$(( VGG_BUDGET_S / 2 ))}
fi
log "trainers start ($([[ $CONCURRENT == 1 ]] && echo concurrent || echo sequential)): deadline in $(( DEADLINE - NOW )) s, hard kill in $(( HARD - NOW )) s; budgets vgg8 ${VGG_BUDGET_S}s googlenet ${GN_BUDGET_S}s (capped by the deadline)"
trainer() {  # model budget lr
  timeout -k 5 "$(( HARD - $(date +%s) ))" "$PY" "$HERE/train.py" --model "$1" --data "$CIFAR/raw" \
    --out "$TRAIN_OUT" --budget-s "$2" --deadline "$DEADLINE" --batch "$BATCH" --lr "$3" --seed "$SEED" \
    "${EXTRA[@]}" 2> >(tee -a "$TRAIN_OUT/train-$1.log" >&2)
}
RC_VGG=0; RC_GN=0
if [[ $CONCURRENT == 1 ]]; then
  trainer googlenet "$GN_BUDGET_S" "$GN_LR" &
  PID_GN=$!
  trainer vgg8 "$VGG_BUDGET_S" "$VGG_LR" &
  PID_VGG=$!
  wait "$PID_VGG" || RC_VGG=$?
  log "vgg8 trainer exited with $RC_VGG"
  wait "$PID_GN" || RC_GN=$?
  log "googlenet trainer exited with $RC_GN"
else
  trainer vgg8 "$VGG_BUDGET_S" "$VGG_LR" || RC_VGG=$?
  log "vgg8 trainer exited with $RC_VGG"
  trainer googlenet "$GN_BUDGET_S" "$GN_LR" || RC_GN=$?
  log "googlenet trainer exited with $RC_GN"
fi

# 4. Summary in the call's output tail.
if [[ $MODE == gpu-check ]]; then
  cp "$TRAIN_OUT"/train-*.log "$TRAIN_OUT"/result.json "$OUT"/ 2>/dev/null || true
  log "gpu check: weights left in $TRAIN_OUT: $(cd "$TRAIN_OUT" && ls *.pt 2>/dev/null | tr '\n' ' ')"
fi
log "outputs:"
(cd "$OUT" && ls -la) | tee -a "$LOG"
if [[ -f "$OUT/result.json" ]]; then
  "$PY" - "$OUT/result.json" <<'PYEOF' | tee -a "$LOG"
import json, sys
r = json.load(open(sys.argv[1]))
for name, m in r.get('models', {}).items():
    print(f"{name}: status {m.get('status')} top1Float32 {m.get('top1Float32')} top1Float16 {m.get('top1Float16')} "
          f"epochs {m.get('epochs')} wall {m.get('wallSeconds')} s device {m.get('device')}")
PYEOF
fi
log "device_run end: total $(( $(date +%s) - T0 )) s (cap ${TOTAL_S} s)"
if [[ $RC_VGG != 0 || $RC_GN != 0 ]]; then exit 1; fi
