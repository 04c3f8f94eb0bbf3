#!/usr/bin/env bash
# The full suite, this tree against a baseline commit, one after the other on the same machine.
#
#   bash benchmarks/bench_full_suite.sh [BASE_COMMIT] [OUT_DIR]
#
# BASE_COMMIT (default 7e06f28, the release before the verification core's second version) is
# checked out as a git worktree and run as it was released (top-level packages verify/theory/
# numerics on PYTHONPATH, its own default of 2 training workers); this tree runs as
# `python -m polyverify run --full` with its default workers. Both start from empty report
# folders (--fresh; every training run, the published-setup AdamW runs included). Each run is
# timed by farm-bench (one run, no warm-up: a run is 20-40 minutes on 2 cores); the report of
# each is kept in OUT_DIR for the verdict counts. Say which machine it ran on when quoting it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE="${1:-7e06f28}"
OUT="${2:-$(mktemp -d /tmp/bench-full-XXXX)}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
WT="$OUT/base-tree"
mkdir -p "$OUT"
[ -d "$WT" ] || git -C "$ROOT" worktree add -f "$WT" "$BASE" >/dev/null
echo "== this tree ($(git -C "$ROOT" rev-parse --short HEAD)): polyverify run --full"
(cd "$ROOT" && farm-bench -n 1 --warmup 0 --timeout 3600 -- \
    sh -c "exec $PY -m polyverify run --full --fresh --no-progress --report $OUT/head >>$OUT/head.log 2>&1")
echo "== baseline ($BASE): python -m verify run --full"
(cd "$WT" && PYTHONPATH="$WT" farm-bench -n 1 --warmup 0 --timeout 3600 -- \
    sh -c "exec $PY -m verify run --full --fresh --no-progress --report $OUT/base >>$OUT/base.log 2>&1")
tail -n 3 "$OUT/head.log" "$OUT/base.log"
