"""Reading a reported-claims CSV: one row per claim of territory held or gained, with its range and source."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError

CLAIM_COLUMNS = ["date", "faction", "measure", "value", "low", "high", "source", "quote"]
MEASURES = ("gained_km2", "held_km2", "held_pct")


def read_claims(path: str | Path) -> pd.DataFrame:
    """Parse and check a claims file; every bad cell is reported with its row and column."""
    path = Path(path)
    src = str(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in CLAIM_COLUMNS if c not in header]
            if missing:
                raise ScenarioError(src, "header", f"columns {', '.join(CLAIM_COLUMNS)}", header,
                                    f"Missing: {', '.join(missing)}.")
            rows = list(reader)
    except FileNotFoundError:
        raise ScenarioError(src, "", "an existing claims CSV", None, "The file does not exist.") from None
    out = []
    for i, r in enumerate(rows, start=2):  # line numbers as a spreadsheet shows them
        key = f"line {i}"
        try:
            when = date.fromisoformat(r["date"].strip())
        except ValueError:
            raise ScenarioError(src, f"{key}.date", "a date such as 2017-05-27", r["date"]) from None
        if r["measure"] not in MEASURES:
            raise ScenarioError(src, f"{key}.measure", f"one of {', '.join(MEASURES)}", r["measure"])
        nums = {}
        for col in ("value", "low", "high"):
            try:
                nums[col] = float(r[col])
            except (TypeError, ValueError):
                raise ScenarioError(src, f"{key}.{col}", "a number", r[col]) from None
        if not nums["low"] <= nums["value"] <= nums["high"]:
            raise ScenarioError(src, f"{key}", "low <= value <= high", [nums["low"], nums["value"], nums["high"]])
        out.append({"date": when.isoformat(), "faction": r["faction"].strip(), "measure": r["measure"], **nums,
                    "source": r["source"], "quote": r["quote"]})
    return pd.DataFrame(out, columns=CLAIM_COLUMNS)
