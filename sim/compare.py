"""Set a run against reported claims: the simulated value of each area claim, and the date of each capture.

Area claims are read through the measure they name (sim.measures). A capture claim is set against the first
time the run's claimed faction took the place. A run ends on a known day, so a capture it has not made by
then is censored: it is consistent with a claim dated after the run, and at least (end - latest date) days
late for one dated within it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sim import measures
from sim.io.claims import area_claims, capture_claims

COMPARE_COLUMNS = ["date", "faction", "measure", "claimed", "low", "high", "simulated", "difference", "in_range",
                   "source"]
CAPTURE_COLUMNS = ["place", "faction", "claimed", "date_low", "date_high", "simulated", "days_off", "in_range",
                   "status", "source"]


def compare_claims(curves: pd.DataFrame, claims: pd.DataFrame, region_km2: float) -> pd.DataFrame:
    """One row per area claim: the simulated value that day, the difference (simulated - claimed), in range.

    A claim dated outside the run has no simulated value and counts as not in range.
    """
    rows = []
    for _, c in area_claims(claims).iterrows():
        day = curves[(curves["date"] == c["date"]) & (curves["faction"] == c["faction"])]
        sim = float(measures.values(day, c["measure"], region_km2)[0]) if len(day) else np.nan
        rows.append({"date": c["date"], "faction": c["faction"], "measure": c["measure"], "claimed": c["value"],
                     "low": c["low"], "high": c["high"], "simulated": sim, "difference": sim - c["value"],
                     "in_range": bool(np.isfinite(sim) and c["low"] <= sim <= c["high"]), "source": c["source"]})
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)


def first_captures(events: pd.DataFrame) -> dict[tuple[str, str], str]:
    """{(place, faction): ISO date} of the first time each faction took each place in a run's event log."""
    out: dict[tuple[str, str], str] = {}
    caught = events[events["kind"] == "captured"]
    for place, faction, when in zip(caught["place"], caught["faction"], caught["time"], strict=True):
        out.setdefault((str(place), str(faction)), str(when)[:10])
    return out


def capture_offset(simulated: str | None, low: str, high: str, end: str) -> tuple[float, str]:
    """Days early (negative) or late (positive) against a claimed range, and a status word.

    `simulated` is the ISO date of the run's capture, or None if the run had not made it by `end`.
    Returns (0, "in range"), (-n, "early"), (+n, "late"), (n, "not by end") where n is a lower bound of the
    lateness, or (nan, "not yet") when the claim itself lies after the run.
    """
    if simulated is not None:
        s, lo, hi = (date.fromisoformat(d) for d in (simulated, low, high))
        if s < lo:
            return float((s - lo).days), "early"
        if s > hi:
            return float((s - hi).days), "late"
        return 0.0, "in range"
    e, lo, hi = (date.fromisoformat(d) for d in (end, low, high))
    if hi < e:
        return float((e - hi).days), "not by end"
    return float("nan"), "not yet"


def compare_captures(captured: dict[tuple[str, str], str], claims: pd.DataFrame, end: str) -> pd.DataFrame:
    """One row per capture claim: the run's date for it, how many days early or late, in range or not."""
    rows = []
    for _, c in capture_claims(claims).iterrows():
        sim = captured.get((c["place"], c["faction"]))
        off, status = capture_offset(sim, c["date_low"], c["date_high"], end)
        rows.append({"place": c["place"], "faction": c["faction"], "claimed": c["date"], "date_low": c["date_low"],
                     "date_high": c["date_high"], "simulated": sim or "", "days_off": off,
                     "in_range": status in ("in range", "not yet"), "status": status, "source": c["source"]})
    return pd.DataFrame(rows, columns=CAPTURE_COLUMNS)


def unknown_places(claims: pd.DataFrame, places: list[str]) -> list[str]:
    """Places named by capture claims that the scenario does not declare."""
    return sorted(set(capture_claims(claims)["place"]) - set(places))
