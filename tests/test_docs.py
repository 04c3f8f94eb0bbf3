"""The worked example of docs/adding-a-claim.md runs as written (every Python block, in order)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "adding-a-claim.md"


def test_adding_a_claim_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 4
    namespace: dict = {"__name__": "adding_a_claim_example"}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # the page's own code, not user input
    assert {r["claim_id"] for r in namespace["report"].results} == {"example.unused_neurons", "example.trained_row_norm"}
