"""Reading a batch: ensemble bands per faction and date, and how the ensemble scores against each claim.

For every claim (a reported value with a range) the ensemble gives: the share of runs inside the range, the
percentile of the claimed value within the ensemble, and the CRPS (continuous ranked probability score) of the
ensemble against the claimed value; `crps_range` is the same score against the claimed range taken as a
uniform distribution (the Cramér distance between the two, zero only for an ensemble spread evenly over the
range), because a range is what the sources support, not a point. Lower is better; both are in the claim's
unit (km² for km² claims).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from sim import measures
from sim.compare import capture_offset, claim_values
from sim.errors import BatchError
from sim.io.claims import area_claims, capture_claims

BAND_QUANTILES = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}
BAND_MEASURES = ("area_km2", "gained_km2", "locality_km2", "locality_gained_km2", "front_km", "strength", "units",
                 "places_held")
CLAIM_SCORE_COLUMNS = ["date", "faction", "measure", "claimed", "low", "high", "source", "runs", "median",
                       "p05", "p95", "share_in_range", "percentile_of_claim", "crps", "crps_range"]


def bands(curves: pd.DataFrame, measures: tuple[str, ...] = BAND_MEASURES) -> pd.DataFrame:
    """Long table: faction, date, day, measure, runs, mean, p05, p25, median, p75, p95."""
    if curves.empty:
        return pd.DataFrame(columns=["faction", "date", "day", "measure", "runs", "mean", *BAND_QUANTILES])
    long = curves.melt(id_vars=["run_id", "faction", "date", "day"], value_vars=list(measures), var_name="measure")
    g = long.groupby(["faction", "date", "day", "measure"], sort=True)["value"]
    out = g.agg(runs="count", mean="mean")
    for name, q in BAND_QUANTILES.items():
        out[name] = g.quantile(q)
    return out.reset_index().sort_values(["measure", "faction", "day"]).reset_index(drop=True)


def crps_ensemble(x: np.ndarray, y: float) -> float:
    """CRPS of the empirical distribution of `x` against the value `y`: E|X - y| - E|X - X'| / 2."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    # E|X - X'| from the sorted sample in O(n log n): sum_i (2i - n + 1) x_i * 2 / n^2
    i = np.arange(n)
    spread = 2.0 * np.sum((2 * i - n + 1) * x) / n**2
    return float(np.mean(np.abs(x - y)) - 0.5 * spread)


def crps_range(x: np.ndarray, low: float, high: float) -> float:
    """CRPS against a truth uniform on [low, high]: E|X - Y| - E|X - X'|/2 - E|Y - Y'|/2 (Cramér distance).

    Equals `crps_ensemble(x, low)` when low == high.
    """
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    if high <= low:
        return crps_ensemble(x, low)
    mid = 0.5 * (low + high)
    inside = ((x - low) ** 2 + (high - x) ** 2) / (2 * (high - low))
    e_abs = np.where(x <= low, mid - x, np.where(x >= high, x - mid, inside))
    i = np.arange(n)
    spread = 2.0 * np.sum((2 * i - n + 1) * x) / n**2
    # E|X - Y| for Y ~ U(low, high), minus half the ensemble spread, minus half the truth's own spread
    # (E|Y - Y'| = (high - low) / 3), so that a perfect ensemble (X ~ U(low, high)) scores lower than any other.
    return float(np.mean(e_abs) - 0.5 * spread - (high - low) / 6)


def score_claims(curves: pd.DataFrame, claims: pd.DataFrame, region_km2: float | None = None) -> pd.DataFrame:
    """One row per area claim: runs, median and 90% band, share in range, percentile of the claim, CRPS."""
    rows = []
    for _, c in area_claims(claims).iterrows():
        x = claim_values(curves, c, region_km2)
        n = len(x)
        if n:
            pct = 100.0 * (np.sum(x < c["value"]) + 0.5 * np.sum(x == c["value"])) / n
            share = float(np.mean((x >= c["low"]) & (x <= c["high"])))
            med, p05, p95 = (float(v) for v in np.quantile(x, [0.5, 0.05, 0.95]))
        else:
            pct = share = med = p05 = p95 = float("nan")
        rows.append({"date": c["date"], "faction": c["faction"], "measure": c["measure"], "claimed": c["value"],
                     "low": c["low"], "high": c["high"], "source": c["source"], "runs": n, "median": med,
                     "p05": p05, "p95": p95, "share_in_range": share, "percentile_of_claim": pct,
                     "crps": crps_ensemble(x, c["value"]), "crps_range": crps_range(x, c["low"], c["high"])})
    return pd.DataFrame(rows, columns=CLAIM_SCORE_COLUMNS)


CAPTURE_SCORE_COLUMNS = ["place", "faction", "claimed", "date_low", "date_high", "source", "runs", "median_date",
                         "p05_date", "p95_date", "share_in_range", "never", "mean_abs_days", "median_days_off",
                         "crps_days"]


def capture_offsets(captures: pd.DataFrame, claim: Any, run_ids: Any, end: str) -> pd.DataFrame:
    """Per run: the simulated date of one capture claim (None if not made by `end`), days off and status."""
    mine = captures[(captures["place"] == claim["place"]) & (captures["faction"] == claim["faction"])]
    when = dict(zip(mine["run_id"], mine["date"], strict=True))
    rows = []
    for rid in run_ids:
        sim = when.get(rid)
        off, status = capture_offset(sim, claim["date_low"], claim["date_high"], end)
        rows.append({"run_id": rid, "simulated": sim, "days_off": off, "status": status})
    return pd.DataFrame(rows, columns=["run_id", "simulated", "days_off", "status"])


def score_captures(captures: pd.DataFrame, claims: pd.DataFrame, run_ids: Any, end: str) -> pd.DataFrame:
    """One row per capture claim: simulated dates over the runs, share in range, mean |days off|, CRPS of the date.

    Dates are counted in days from the claim's reported date. A run that has not made the capture by `end`
    is censored at the day after `end`, and so is the claimed range: the score then compares what the runs
    could show. "In range" counts runs inside the claimed dates, and runs that have not made a capture the
    sources date after the run.
    """
    rows = []
    ids = list(run_ids)
    e = date.fromisoformat(end)
    for _, c in capture_claims(claims).iterrows():
        per_run = capture_offsets(captures, c, ids, end)
        ref = date.fromisoformat(c["date"])
        censor = (e - ref).days + 1
        days = np.array([(date.fromisoformat(x) - ref).days if isinstance(x, str) else censor
                         for x in per_run["simulated"]], float)
        lo = min((date.fromisoformat(c["date_low"]) - ref).days, censor)
        hi = min((date.fromisoformat(c["date_high"]) - ref).days, censor)
        n = len(days)
        off = per_run["days_off"].fillna(0.0).to_numpy(float)
        in_range = per_run["status"].isin(["in range", "not yet"]).to_numpy()
        made = per_run["simulated"].notna().to_numpy()
        q05, q50, q95 = (_day_quantile(days, q, ref, censor) for q in (0.05, 0.5, 0.95))
        rows.append({"place": c["place"], "faction": c["faction"], "claimed": c["date"], "date_low": c["date_low"],
                     "date_high": c["date_high"], "source": c["source"], "runs": n,
                     "median_date": q50, "p05_date": q05, "p95_date": q95,
                     "share_in_range": float(in_range.mean()) if n else float("nan"),
                     "never": float((~made).mean()) if n else float("nan"),
                     "mean_abs_days": float(np.abs(off).mean()) if n else float("nan"),
                     "median_days_off": float(np.median(off)) if n else float("nan"),
                     "crps_days": crps_range(days, lo, hi) if n else float("nan")})
    return pd.DataFrame(rows, columns=CAPTURE_SCORE_COLUMNS)


def _day_quantile(days: np.ndarray, q: float, ref: date, censor: int) -> str:
    """A quantile of simulated capture days as an ISO date ('' if none, or beyond the run)."""
    if not len(days):
        return ""
    d = float(np.quantile(days, q))
    return "" if d >= censor else (ref + timedelta(days=int(round(d)))).isoformat()


def range_distance(sim: np.ndarray, low: float, high: float, scale: float) -> np.ndarray:
    """How far simulated values lie outside a claimed range, relative to `scale` (0 inside the range)."""
    sim = np.asarray(sim, dtype=float)
    return np.maximum(0.0, np.maximum(low - sim, sim - high)) / scale


CAPTURE_SCALE_DAYS = 14.0  # a capture two weeks outside its reported dates weighs like an area 100% off


def claim_error(curves: pd.DataFrame, claims: pd.DataFrame, region_km2: float | None = None,
                captures: pd.DataFrame | None = None, end: str | None = None) -> pd.Series:
    """Per run: the mean relative distance of its values to the claimed ranges (0 = inside every range).

    Conflicting claims (5,000-6,000 and 6,000-7,000 km²) cannot both hold; the mean distance is smallest
    between them, which is what the sources together support. Capture claims count when the runs' captures
    are given: days outside the reported dates over CAPTURE_SCALE_DAYS (a censored run counts its lower bound).
    """
    parts = []
    for _, c in area_claims(claims).iterrows():
        day = curves[(curves["date"] == c["date"]) & (curves["faction"] == c["faction"])]
        vals = claim_values(curves, c, region_km2)
        scale = max(abs(float(c["value"])), 1.0)
        parts.append(pd.Series(range_distance(vals, c["low"], c["high"], scale), index=day["run_id"].to_numpy()))
    if captures is not None and end is not None and len(curves):
        ids = curves["run_id"].unique()
        for _, c in capture_claims(claims).iterrows():
            per_run = capture_offsets(captures, c, ids, end)
            parts.append(pd.Series(per_run["days_off"].fillna(0.0).abs().to_numpy() / CAPTURE_SCALE_DAYS,
                                   index=per_run["run_id"].to_numpy()))
    if not parts:
        return pd.Series(dtype=float)
    return pd.concat(parts, axis=1).mean(axis=1).rename("claim_error")


def outcome_values(curves: pd.DataFrame, faction: str, measure: str, date: str | None) -> pd.Series:
    """Per run: one faction's measure on `date` (default: each run's last day)."""
    sub = curves[curves["faction"] == faction]
    if date is None:
        sub = sub[sub["day"] == sub.groupby("run_id")["day"].transform("max")]
    else:
        sub = sub[sub["date"] == date]
    return sub.set_index("run_id")[measure].astype(float).rename("outcome")


def region_km2(sc: Any) -> float:
    """The scenario region's area (for held_pct claims)."""
    from sim.world.world import build_world

    return float(build_world(sc).region_area_km2)


def summarize_batch(root: Any, claims_path: str | None = None) -> dict[str, Any]:
    """Write summary.csv (bands), claims.csv (claim scores) and summary.html into a batch directory.

    Returns the tables: {"bands", "claims" (scores or None), "outcomes" (per run), "runs"}.
    """
    from pathlib import Path

    from sim.batch import plots
    from sim.batch.store import BatchStore
    from sim.io.atomic import write_text

    store = BatchStore(Path(root))
    manifest = store.require_batch()  # before writing anything into it
    runs = store.consolidate()
    curves = store.curves()
    claims_path = claims_path or manifest.get("claims")
    claims = None
    if claims_path:
        from sim.io.claims import read_claims

        claims = read_claims(claims_path)
    later = 0
    if claims is not None:  # claims dated after the batch's last day say nothing about its runs
        inside = within_window(claims, batch_end(manifest))
        later, claims = len(claims) - int(inside.sum()), claims[inside]
    band_table = bands(curves)
    write_text(store.root / "summary.csv", band_table.to_csv(index=False, float_format="%.3f", lineterminator="\n"))
    scores = capture_scores = None
    sc = store.scenario()
    if claims is not None:
        shares = claims["measure"].map(lambda m: m in measures.AREA_MEASURES and measures.is_share(m)).any()
        if shares and sc is None:
            raise BatchError(str(store.root), "scenario_path", "the batch's scenario, to turn shares of the "
                             "region into km²", manifest.get("scenario_path"), "It could not be loaded.")
        area = region_km2(sc) if shares else None
        scores = score_claims(curves, claims, area)
        write_text(store.root / "claims.csv", scores.to_csv(index=False, float_format="%.4f", lineterminator="\n"))
        if len(capture_claims(claims)):
            ok_ids = runs[runs["status"] == "ok"]["run_id"].tolist()
            capture_scores = score_captures(store.captures(), claims, ok_ids, batch_end(manifest))
            write_text(store.root / "captures.csv",
                       capture_scores.to_csv(index=False, float_format="%.4f", lineterminator="\n"))
    out = manifest.get("outcome") or {}
    faction = out.get("faction") or (str(curves["faction"].iloc[0]) if len(curves) else "")
    measure, when = out.get("measure", "gained_km2"), out.get("date")
    outcomes = outcome_values(curves, faction, measure, when).reset_index() if len(curves) else pd.DataFrame(
        columns=["run_id", "outcome"])
    params = list(manifest.get("parameters", []))
    points = runs[runs["status"] == "ok"].merge(outcomes, on="run_id")
    # Faction colours and names from the batch's scenario if it can still be read (else plotly's palette).
    colours = {f.id: f.colour for f in sc.factions} if sc is not None else {}
    names = {f.id: f.name for f in sc.factions} if sc is not None else {}
    title = f"Batch {manifest.get('experiment', '')}: {manifest.get('scenario', '')}"
    ok, failed = int((runs["status"] == "ok").sum()), int((runs["status"] != "ok").sum())
    info = (f"<p>{ok} successful runs, {failed} failed, of {manifest.get('runs')} planned; design "
            f"{html_escape(manifest.get('design'))}, master seed {manifest.get('master_seed')}, "
            f"{manifest.get('days')} days from {manifest.get('start')}.</p>")
    sections: list[tuple[str, Any]] = [("Batch", info)]
    for m in ("gained_km2", "area_km2"):
        sections.append((plots.MEASURE_LABELS[m],
                         plots.bands_figure(band_table, m, claims, colours, names, title=plots.MEASURE_LABELS[m])))
    if scores is not None and len(scores):
        sections.append(("Claims", plots.table_html(scores)))
    if capture_scores is not None:
        sections.append(("Dated captures", plots.table_html(capture_scores)))
    if params and len(points):
        label = f"{names.get(faction, faction)} {plots.MEASURE_LABELS.get(measure, measure)}" + (
            f" on {when}" if when else " at the end")
        rel = None if claims is None else claims[(claims["faction"] == faction)
                                                 & (claims["measure"] == {"area_km2": "held_km2"}.get(measure, measure))]
        sections.append(("Parameters and outcome", plots.scatter_figure(points, params, label, rel)))
    write_text(store.root / "summary.html", plots.html_page(title, sections))
    return {"bands": band_table, "claims": scores, "captures": capture_scores, "outcomes": points, "runs": runs,
            "later_claims": later}


def within_window(claims: pd.DataFrame, end: str) -> pd.Series:
    """Which claims a run ending on `end` can be scored on: areas dated up to it, captures whose earliest
    reported date is up to it (a capture reported later is 'not yet' in every run, which scores nothing)."""
    first = claims["date_low"].where(claims["measure"] == "captured", claims["date"])
    return first <= end


def batch_end(manifest: dict[str, Any]) -> str:
    """The last recorded day of a batch's runs (ISO date): its start plus its days."""
    return (date.fromisoformat(str(manifest["start"])[:10]) + timedelta(days=int(manifest["days"]))).isoformat()


def html_escape(value: Any) -> str:
    import html

    return html.escape(str(value))
