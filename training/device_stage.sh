#!/usr/bin/env bash
# Stage one carried data part on the GPU machine: copy it to /tmp/cifar/stage, check every file against
# the part's part.json (SHA-256), then decode its batches to /tmp/cifar/raw and verify them against the
# official CIFAR-10 SHA-256 sums. Idempotent. Usage: bash training/device_stage.sh .carry/part-a
set -euo pipefail
PART=${1:?usage: device_stage.sh <part-dir>}
PY=${PYTHON:-python3}
CIFAR=${CIFAR_STAGE:-/tmp/cifar}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T0=$(date +%s)
log() { echo "[$(date -u +%H:%M:%S) +$(( $(date +%s) - T0 ))s stage] $*"; }

[[ -f "$PART/part.json" ]] || { log "ERROR: $PART/part.json not found (was the part carried?)"; exit 2; }
mkdir -p "$CIFAR/stage" "$CIFAR/raw"
log "staging $PART ($(du -sh "$PART" | cut -f1)) into $CIFAR/stage"
NAMES=$("$PY" - "$PART" "$CIFAR/stage" <<'PYEOF'
import hashlib, json, shutil, sys
from pathlib import Path
part, stage = Path(sys.argv[1]), Path(sys.argv[2])
m = json.loads((part / 'part.json').read_text())
assert m['format'] == 'crossbar-cifar-pack' and m['formatVersion'] == 1, m.get('format')
names = []
for f in m['files']:
    dst = stage / f['name']
    if not (dst.exists() and hashlib.sha256(dst.read_bytes()).hexdigest() == f['sha256']):
        shutil.copyfile(part / f['name'], dst)
    got = hashlib.sha256(dst.read_bytes()).hexdigest()
    if got != f['sha256'] or dst.stat().st_size != f['bytes']:
        sys.exit(f"{f['name']}: SHA-256 {got} != {f['sha256']} from part.json")
    names.append(f['name'][: -len('.cbz')])
shutil.copyfile(part / 'part.json', stage / f"part-{m['part']}.json")
print(' '.join(names))
PYEOF
)
log "copied and verified: $NAMES"
# shellcheck disable=SC2086
"$PY" "$HERE/unpack_data.py" --stage "$CIFAR/stage" --raw "$CIFAR/raw" --only $NAMES
log "done; $CIFAR/raw now holds: $(cd "$CIFAR/raw" && ls -1 *.bin 2>/dev/null | tr '\n' ' ')"
