"""Set a run against reported claims: the simulated value of each area claim, and the date of each capture.

`compare_run` does both for a Run; the report, the dashboard and `badia run` / `badia compare` show its tables
(`verdict` and `reported_dates` word them). The batch scores (sim.batch.summary) read a claim's values the
same way, through `claim_values`.

Area claims are read through the measure they name (sim.measures). A capture claim is set against the first
time the run's claimed faction took the place. A run ends on a known day, so a capture it has not made by
then is censored: it is consistent with a claim dated after the run, and at least (end - latest date) days
late for one dated within it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim import measures
from sim.io.claims import area_claims, capture_claims

if TYPE_CHECKING:
    from sim.rundata import Run

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
        values = claim_values(curves, c, region_km2)
        sim = float(values[0]) if len(values) else np.nan
        rows.append({"date": c["date"], "faction": c["faction"], "measure": c["measure"], "claimed": c["value"],
                     "low": c["low"], "high": c["high"], "simulated": sim, "difference": sim - c["value"],
                     "in_range": bool(np.isfinite(sim) and c["low"] <= sim <= c["high"]), "source": c["source"]})
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)


def claim_values(curves: pd.DataFrame, claim: Any, region_km2: float | None = None) -> np.ndarray:
    """The simulated values of one area claim (its date, faction and measure; sim.measures) in some curves:
    one value for a run, one per run for a batch's curves."""
    day = curves[(curves["date"] == claim["date"]) & (curves["faction"] == claim["faction"])]
    return measures.values(day, claim["measure"], region_km2)


def compare_run(run: Run, claims: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run against claims: (one row per area claim: `compare_claims`; one row per capture claim:
    `compare_captures`, against the run's first captures and its last day)."""
    areas = compare_claims(run.curves, claims, run.region_km2)
    captures = compare_captures(first_captures(run.events), claims, run.dates[-1])
    return areas, captures


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


def check_claims_fit_run(run: Run, claims: pd.DataFrame, source: str, run_dir: str = "the run") -> None:
    """Refuse claims that cannot be set against this run (a UsageError naming them): claims about factions the run
    does not have (claims of another scenario), capture claims of places it does not have (a ScenarioError naming
    the line), claims dated before the run's first day, or claims that are all dated after its last day. Some
    claims dated after the last day are fine: the comparison counts them."""
    from sim.errors import UsageError
    from sim.io.claims import check_places

    start, end = run.dates[0], run.dates[-1]
    foreign = sorted(set(claims["faction"]) - set(run.factions))
    if foreign:
        raise UsageError(source, "faction", f"the factions of {run_dir} ({', '.join(run.factions)})", foreign,
                         f"{len(claims[claims['faction'].isin(foreign)])} of its {len(claims)} claims are about "
                         "factions this run does not have: these claims are about another scenario. Compare the "
                         "run with its own scenario's claims: badia compare RUN_DIR")
    check_places(claims, list(run.places["name"]), source)
    caps = claims["measure"] == measures.CAPTURED
    latest = claims["date"].where(~caps, claims["date_high"])  # a capture counts if its latest date is in the run
    earliest = claims["date"].where(~caps, claims["date_low"])
    before = sorted(set(claims.loc[latest < start, "date"]))
    if before:
        raise UsageError(source, "date", f"claims dated within the run of {run_dir} ({start} to {end})",
                         _dates(before), "The run cannot be set against claims dated before its first day.")
    if len(claims) and bool((earliest > end).all()):
        raise UsageError(source, "date", f"claims dated within the run of {run_dir} ({start} to {end})",
                         _dates(sorted(set(claims["date"]))),
                         "Every claim is dated after the run's last day: run longer (badia run --days) to set the "
                         "run against them.")


def _dates(dates: list[str], most: int = 5) -> str:
    return ", ".join(dates[:most]) + (f" and {len(dates) - most} more" if len(dates) > most else "")


def unknown_places(claims: pd.DataFrame, places: list[str]) -> list[str]:
    """Places named by capture claims that the scenario does not declare."""
    return sorted(set(capture_claims(claims)["place"]) - set(places))


def within_run(captures: pd.DataFrame, end: str) -> pd.DataFrame:
    """The capture comparisons worth showing for a run ending on `end`: those the sources date from within the
    run, and any the run has made already (a capture made early is news)."""
    return captures[(captures["date_low"] <= end) | (captures["simulated"] != "")]


def days_text(n: float) -> str:
    """'1 day', '3 days'."""
    return f"{n:.0f} day" if round(n) == 1 else f"{n:.0f} days"


def verdict(status: str, days_off: float, end: str, as_days: bool = False) -> str:
    """A capture comparison in words ('in range', '2 days early', 'not by 2017-05-27 (at least 3 days late)'),
    or `as_days`, as signed days off for a table's column ('0 (in range)', '-2', '+3 or more')."""
    if status == "in range":
        return "0 (in range)" if as_days else "in range"
    if status == "not yet":
        return "- (not yet, as reported)" if as_days else "not yet, as reported"
    if status == "not by end":
        return f"+{days_off:.0f} or more" if as_days else f"not by {end} (at least {days_text(days_off)} late)"
    return f"{days_off:+.0f}" if as_days else f"{days_text(abs(days_off))} {status}"


def reported_dates(claimed: str, low: str, high: str) -> str:
    """A capture claim's date as reported, with the range the sources allow if there is one."""
    return claimed if low == high else f"{claimed} ({low} to {high})"
