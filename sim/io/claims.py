"""Reading a reported-claims CSV: claims of territory held or gained, and dated captures, each with its source.

Columns: date, faction, measure, value, low, high, source, quote, and (for captures) place.

- An area claim names its measure (sim.measures: held_km2, gained_km2, held_pct and their locality-based
  twins) and gives a value with the range the wording supports (low <= value <= high).
- A capture claim (`measure = captured`) names the `place` and the faction that took it; `date` is the
  reported date and `low` / `high` the earliest and latest dates the sources allow (ISO dates; empty means
  `date`). `value` is left empty.

Every bad cell is reported with its line and column.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError
from sim.io.claimsfile import CLAIM_COLUMNS, EXPECTED
from sim.measures import CAPTURED, MEASURES

OUT_COLUMNS = ["date", "faction", "measure", "value", "low", "high", "place", "date_low", "date_high", "source",
               "quote"]


def read_claims(path: str | Path) -> pd.DataFrame:
    """Parse and check a claims file (see the module docstring); return one row per claim.

    Area claims have numeric value/low/high; capture claims have place, date_low and date_high (ISO dates)
    and NaN value/low/high.
    """
    path = Path(path)
    src = str(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in CLAIM_COLUMNS if c not in header]
            if missing:
                raise ScenarioError(src, "header", f"columns {', '.join(CLAIM_COLUMNS)}", None,
                                    f"Missing: {', '.join(missing)}.")  # the file is not quoted: it may be anything
            rows = list(reader)
    except FileNotFoundError:
        raise ScenarioError(src, "", "an existing claims CSV", None, "The file does not exist.") from None
    except IsADirectoryError:
        raise ScenarioError(src, "", EXPECTED, None, "It is a directory, not a file.") from None
    except UnicodeDecodeError:
        raise ScenarioError(src, "", EXPECTED, None, "It is not UTF-8 text (a binary file?).") from None
    except OSError as exc:
        raise ScenarioError(src, "", EXPECTED, None, f"It cannot be read ({exc.strerror or exc}).") from None
    except csv.Error as exc:
        raise ScenarioError(src, "", EXPECTED, None, f"It is not a well-formed CSV ({exc}).") from None
    out = [_row(src, i, r) for i, r in enumerate(rows, start=2)]  # line numbers as a spreadsheet shows them
    return pd.DataFrame(out, columns=OUT_COLUMNS)


def _day(src: str, key: str, text: str | None) -> str:
    try:
        return date.fromisoformat((text or "").strip()).isoformat()
    except ValueError:
        raise ScenarioError(src, key, "a date such as 2017-05-27", text) from None


def _row(src: str, line: int, r: dict[str, str]) -> dict[str, object]:
    key = f"line {line}"
    when = _day(src, f"{key}.date", r["date"])
    if r["measure"] not in MEASURES:
        raise ScenarioError(src, f"{key}.measure", f"one of {', '.join(MEASURES)}", r["measure"])
    base = {"date": when, "faction": (r["faction"] or "").strip(), "measure": r["measure"],
            "source": r["source"], "quote": r["quote"], "place": (r.get("place") or "").strip()}
    if r["measure"] == CAPTURED:
        if not base["place"]:
            raise ScenarioError(src, f"{key}.place", "the name of the place captured (a `place` column)",
                                r.get("place"), "Capture claims name a place of the scenario.")
        lo = _day(src, f"{key}.low", r["low"]) if (r["low"] or "").strip() else when
        hi = _day(src, f"{key}.high", r["high"]) if (r["high"] or "").strip() else when
        if not lo <= when <= hi:
            raise ScenarioError(src, key, "low <= date <= high (earliest, reported and latest dates)",
                                [lo, when, hi])
        return {**base, "value": float("nan"), "low": float("nan"), "high": float("nan"), "date_low": lo,
                "date_high": hi}
    nums = {}
    for col in ("value", "low", "high"):
        try:
            nums[col] = float(r[col])
        except (TypeError, ValueError):
            raise ScenarioError(src, f"{key}.{col}", "a number", r[col]) from None
        if nums[col] != nums[col] or nums[col] in (float("inf"), float("-inf")):
            raise ScenarioError(src, f"{key}.{col}", "a finite number", r[col])
    if not nums["low"] <= nums["value"] <= nums["high"]:
        raise ScenarioError(src, f"{key}", "low <= value <= high", [nums["low"], nums["value"], nums["high"]])
    return {**base, **nums, "date_low": "", "date_high": ""}


def area_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims about areas (km² or shares), without the capture claims."""
    return claims[claims["measure"] != CAPTURED]


def capture_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """The dated capture claims."""
    return claims[claims["measure"] == CAPTURED]


def check_places(claims: pd.DataFrame, places: list[str], source: str) -> None:
    """Refuse capture claims naming a place the scenario does not declare (the error names the line)."""
    from sim.errors import did_you_mean

    known = set(places)
    for i, row in claims.reset_index(drop=True).iterrows():
        if row["measure"] == CAPTURED and row["place"] not in known:
            raise ScenarioError(source, f"line {i + 2}.place", "a place declared in the scenario", row["place"],
                                did_you_mean(row["place"], places) or "Capture claims name places of the scenario.")
