#!/usr/bin/env bash
# The full suite, a baseline commit against this tree, one after the other on the same machine.
#
#   bash benchmarks/bench_full_suite.sh [BASE_COMMIT] [OUT_DIR]
#
# BASE_COMMIT (default a0b9611, release 0.1.0: the last commit before the verification core's second version) is
# checked out as a git worktree and run as it was released (top-level packages verify/theory/
# numerics on PYTHONPATH, one claim at a time, its own default of 2 training workers); this tree
# runs as `python -m polyverify run --full --workers 2`. Both start from empty report folders
# (--fresh: every training run, the published-setup AdamW runs included) and run in that order,
# the baseline first. Each is timed from outside (wall clock, process start-up included) and
# stopped after BASE_CAP / HEAD_CAP seconds (defaults 2700 and 5400): a stopped run reports how
# many of its claims it finished, from its report folder. The reports stay in OUT_DIR for the
# verdict counts. PYTHON: an interpreter with this tree installed (default .venv/bin/python);
# the baseline needs only its dependencies, which are this tree's. Say which machine it ran on.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE="${1:-a0b9611}"
OUT="${2:-$(mktemp -d /tmp/bench-full-XXXX)}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
BASE_CAP="${BASE_CAP:-2700}"
HEAD_CAP="${HEAD_CAP:-5400}"
WT="$OUT/base-tree"
mkdir -p "$OUT"
[ -d "$WT" ] || git -C "$ROOT" worktree add -f "$WT" "$BASE" >/dev/null

timed() {  # NAME CAP DIR COMMAND...: wall seconds and exit status of one capped run
    local name="$1" cap="$2" dir="$3"; shift 3
    local start end rc
    start=$(date +%s.%N)
    (cd "$dir" && timeout "$cap" "$@" >"$OUT/$name.log" 2>&1); rc=$?
    end=$(date +%s.%N)
    echo "$name: wall $(echo "$end - $start" | bc) s, exit $rc$([ "$rc" = 124 ] && echo " (stopped at the cap)")," \
        "$(ls "$OUT/$name-report/results" 2>/dev/null | wc -l) claims finished"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "== baseline ($BASE): python -m verify run --full"
PYTHONPATH="$WT" timed base "$BASE_CAP" "$WT" \
    "$PY" -m verify run --full --fresh --no-progress --report "$OUT/base-report"
echo "== this tree ($(git -C "$ROOT" rev-parse --short HEAD)): polyverify run --full --workers 2"
timed head "$HEAD_CAP" "$ROOT" \
    "$PY" -m polyverify run --full --fresh --no-progress --workers 2 --report "$OUT/head-report"
tail -n 2 "$OUT/base.log" "$OUT/head.log"
