"""Hindcast: fit on the claims up to a date, then score the forecast on the claims after it.

The claims are split at `split`: those dated on or before it calibrate the experiment's parameters by ABC
(sim.batch.abc, run through the end of the split day only), those after it are held out. The posterior
predictive ensemble then runs the whole window and is scored on the held-out claims alone: areas by the
share of runs in range and CRPS, dated captures by the share in range, the CRPS of the date and the absolute
error in days. Nothing held out is seen by the fit, so the scores say how well the model forecasts what it
was not fitted on.

The headline number is the median, over the held-out captures the sources date within the forecast window
(the validation period), of each claim's absolute error: the ensemble median of |days outside the reported
dates| (0 inside them; a capture a run has not made by its end counts the days from the reported latest date
to the end, a lower bound). The same median over every held-out capture, those the sources date after the
window included (where a run that has not made them is right, 0), is reported beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch.abc import CalibrationResult, calibrate
from sim.batch.experiment import Experiment
from sim.batch.runner import Evaluator
from sim.batch.summary import capture_offsets, score_captures, score_claims
from sim.errors import ScenarioError, UsageError
from sim.io.atomic import write_text
from sim.io.claims import capture_claims, read_claims


@dataclass
class HindcastResult:
    """The calibration on the fitted claims and the scores on the held-out ones."""

    split: str
    calibration: CalibrationResult
    fitted: pd.DataFrame  # claims up to the split
    held_out: pd.DataFrame  # claims after it
    area_scores: pd.DataFrame
    capture_scores: pd.DataFrame
    capture_errors: pd.DataFrame  # per held-out capture claim: ensemble median |days off|
    median_abs_days: float  # median over the held-out captures dated within the forecast (nan without any)
    median_abs_days_all: float  # median over every held-out capture, later ones included
    out: Path


def split_claims(claims: pd.DataFrame, split: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claims dated on or before `split` (to fit) and after it (held out)."""
    return claims[claims["date"] <= split], claims[claims["date"] > split]


def capture_errors(captures: pd.DataFrame, claims: pd.DataFrame, run_ids: list[int], end: str) -> pd.DataFrame:
    """Per capture claim: the ensemble median and mean of |days outside the reported dates| (see module doc)."""
    rows = []
    for _, c in capture_claims(claims).iterrows():
        per_run = capture_offsets(captures, c, run_ids, end)
        off = per_run["days_off"].fillna(0.0).abs().to_numpy(float)
        signed = per_run["days_off"].fillna(0.0).to_numpy(float)
        rows.append({"place": c["place"], "faction": c["faction"], "claimed": c["date"],
                     "date_low": c["date_low"], "date_high": c["date_high"], "in_window": c["date_low"] <= end,
                     "median_abs_days": float(np.median(off)) if len(off) else float("nan"),
                     "mean_abs_days": float(off.mean()) if len(off) else float("nan"),
                     "median_days_off": float(np.median(signed)) if len(signed) else float("nan"),
                     "source": c["source"]})
    return pd.DataFrame(rows, columns=["place", "faction", "claimed", "date_low", "date_high", "in_window",
                                       "median_abs_days", "mean_abs_days", "median_days_off", "source"])


def hindcast(exp: Experiment, out: str | Path, split: str, days: int | None = None,
             evaluator: Evaluator | None = None, workers: int | None = None, scheduler: str | None = None,
             claims_path: str | None = None, progress: bool = True) -> HindcastResult:
    """Fit on the claims up to `split` (ISO date), forecast `days` from the start, score the later claims."""
    if exp.calibration is None:
        raise ScenarioError(str(exp.path), "calibration", "a [calibration] table for `badia hindcast`", None,
                            "Add [calibration] (method, samples, accept, predictive) and [[parameters]].")
    source = claims_path or exp.claims
    claims = read_claims(source)
    start = date.fromisoformat(exp.start)
    try:
        cut = date.fromisoformat(split)
    except ValueError:
        raise UsageError("--split", "split", "a date such as 2017-05-27", split) from None
    fitted, held_out = split_claims(claims, cut.isoformat())
    if not len(fitted) or not len(held_out):
        raise UsageError(str(source), "date", f"claims on both sides of the split {cut} (to fit and to score)",
                         f"{len(fitted)} up to it and {len(held_out)} after it",
                         "Choose a split date between the claims' dates.")
    fit_days = (cut - start).days + 1  # through the end of the split day: its captures are seen too
    if fit_days < 2:
        raise UsageError("--split", "split", f"a date after the experiment's start ({start})", split)
    days = days or exp.days
    areas = held_out[held_out["measure"] != "captured"]
    # Area claims must lie within the forecast; a capture dated after it is still scored (censored).
    last = date.fromisoformat(str(areas["date"].max() if len(areas) else held_out["date"].min()))
    if start + timedelta(days=days) < last:
        raise UsageError("--days", "days", f"enough days to reach the last held-out area claim ({last}: "
                         f"{(last - start).days} days)", days)
    if exp.calibration.predictive <= 0:
        raise ScenarioError(str(exp.path), "calibration.predictive", "a posterior predictive ensemble size > 0 "
                            "(the hindcast forecasts with it)", exp.calibration.predictive)
    out = Path(out)
    cal = calibrate(exp, out, evaluator=evaluator, workers=workers, scheduler=scheduler, progress=progress,
                    claims=fitted, fit_days=fit_days, predictive_days=days)
    ensemble, captures = cal.ensemble, cal.ensemble_captures
    end = (start + timedelta(days=days)).isoformat()
    ids = ensemble["run_id"].unique().tolist()
    area = score_claims(ensemble, held_out)
    caps = score_captures(captures, held_out, ids, end)
    errors = capture_errors(captures, held_out, ids, end)
    inside = errors[errors["in_window"]]
    mae = float(inside["median_abs_days"].median()) if len(inside) else float("nan")
    mae_all = float(errors["median_abs_days"].median()) if len(errors) else float("nan")
    result = HindcastResult(split=cut.isoformat(), calibration=cal, fitted=fitted, held_out=held_out,
                            area_scores=area, capture_scores=caps, capture_errors=errors, median_abs_days=mae,
                            median_abs_days_all=mae_all, out=out)
    _write(exp, result, days)
    return result


def _write(exp: Experiment, res: HindcastResult, days: int) -> None:
    from sim.batch import plots

    out = res.out
    write_text(out / "hindcast_areas.csv", res.area_scores.to_csv(index=False, float_format="%.4f",
                                                                  lineterminator="\n"))
    write_text(out / "hindcast_captures.csv", res.capture_scores.to_csv(index=False, float_format="%.4f",
                                                                        lineterminator="\n"))
    write_text(out / "hindcast_errors.csv", res.capture_errors.to_csv(index=False, float_format="%.2f",
                                                                      lineterminator="\n"))
    info = {"experiment": exp.name, "split": res.split, "days": days, "fitted_claims": len(res.fitted),
            "held_out_claims": len(res.held_out), "held_out_captures": len(res.capture_errors),
            "held_out_captures_in_window": int(res.capture_errors["in_window"].sum()),
            "median_abs_days": None if res.median_abs_days != res.median_abs_days else res.median_abs_days,
            "median_abs_days_all": None if res.median_abs_days_all != res.median_abs_days_all
            else res.median_abs_days_all,
            "posterior": res.calibration.posterior.to_dict(orient="records")}
    write_text(out / "hindcast.json", json.dumps(info, indent=2, default=str) + "\n")
    sections = [
        ("Hindcast", f"<p>Fitted on {len(res.fitted)} claims dated up to {res.split}; scored on "
                     f"{len(res.held_out)} held-out claims after it, with the posterior predictive ensemble run "
                     f"for {days} days. Median absolute error over the {int(res.capture_errors['in_window'].sum())} "
                     f"held-out captures dated within the forecast: {plots.readable(res.median_abs_days)} days "
                     f"({plots.readable(res.median_abs_days_all)} over all {len(res.capture_errors)} held-out "
                     f"captures, later ones included).</p>"),
        ("Posterior", plots.table_html(res.calibration.posterior)),
        ("Held-out areas", plots.table_html(res.area_scores)),
        ("Held-out captures", plots.table_html(res.capture_scores)),
        ("Capture errors (days)", plots.table_html(res.capture_errors)),
    ]
    write_text(out / "hindcast.html", plots.html_page(f"Hindcast: {exp.name} split at {res.split}", sections))
