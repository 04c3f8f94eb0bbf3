#!/usr/bin/env bash
# The GPU check, in one short script (a GPU machine is lent rarely and briefly):
#   1. tests/test_cuda.py: training on CUDA equals training on CPU in float64; --device auto picks CUDA;
#   2. the Fig 3 sweep at its full size (n = 256, 16 widths x 16 seeds, the suite's keys) on one GPU,
#      timed, with the sweep's own per-run summary lines.
# Usage: bash benchmarks/gpu_check.sh [OUT_DIR]   (prints the timings; exit 1 if a step failed)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
"$PY" - <<'PYEOF'
import torch
print(f"torch {torch.__version__}; CUDA available: {torch.cuda.is_available()}")
if torch.cuda.is_available():
    print("device:", torch.cuda.get_device_name(0))
PYEOF
start=$(date +%s.%N)
"$PY" -m pytest -q -p no:cacheprovider -m cuda tests/test_cuda.py
mid=$(date +%s.%N)
"$PY" -m polyverify sweep --fig 3 --device cuda --workers 1 --no-progress --out "$OUT/runs" | tail -n 4
end=$(date +%s.%N)
"$PY" - "$start" "$mid" "$end" <<'PYEOF'
import sys
a, b, c = map(float, sys.argv[1:])
print(f"cuda tests: {b - a:.1f} s; Fig 3 sweep (16 widths x 16 seeds, n = 256) on one GPU: {c - b:.1f} s wall")
PYEOF
