"""Golden files: the outputs of a fixed deterministic run, byte for byte.

They change only when behaviour changes on purpose. To accept a deliberate change, regenerate with
`BADIA_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and commit the diff with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sim
from sim.io.rundir import curves_csv

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "corridor": ("corridor", {"combat.stochastic": False}, 7, 8),
    "oilfield_three_way": ("oilfield_three_way", {}, 11, 8),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_match_golden_files(case):
    name, overrides, seed, days = CASES[case]
    result = sim.run(sim.load(name, overrides), seed=seed, days=days)
    outputs = {
        f"{case}_curves.csv": curves_csv(result),
        f"{case}_events.csv": result.events.to_csv(index=False, float_format="%.1f", lineterminator="\n"),
    }
    for filename, text in outputs.items():
        path = GOLDEN / filename
        if os.environ.get("BADIA_UPDATE_GOLDEN"):
            path.write_text(text, encoding="utf-8")
        assert path.read_text(encoding="utf-8") == text, f"{filename} differs from the golden file"
