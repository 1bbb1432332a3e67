"""Calibration by approximate Bayesian computation (ABC) over ensembles, against a claims file.

Parameters have uniform priors on [low, high] (log-uniform with `log = true`). A parameter set's distance is the
mean, over its replicate runs, of the run's relative distance to the claimed ranges (0 inside every range; see
`summary.claim_error`), so conflicting claims (5,000-6,000 vs 6,000-7,000 km²) act as ranges, not points.

- `rejection`: draw `samples` sets from the prior, keep the `accept` share with the smallest distances.
- `smc`: adaptive population Monte Carlo (Lenormand, Jabot & Deffuant 2013): generation 0 is a rejection step;
  each next generation perturbs resampled particles with a Gaussian kernel (twice the weighted covariance,
  in the unit cube of the prior), merges them with the current population and keeps the `accept` share; new
  particles get importance weights prior / sum_j w_j K(theta | theta_j).

Every generation is an ordinary batch directory (`OUT/gen-<g>/`), so calibration is resumable and its runs are
readable like any batch; `OUT/predictive/` holds the posterior predictive ensemble when `predictive > 0`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.design import ABC_STREAM, RunSpec, from_unit, run_specs, stream
from sim.batch.execute import run_batch
from sim.batch.experiment import Experiment, Parameter
from sim.batch.runner import Evaluator, make_evaluator
from sim.batch.store import BatchStore
from sim.batch.summary import batch_end, claim_error, score_captures, score_claims
from sim.errors import ScenarioError
from sim.io.atomic import write_text
from sim.io.claims import read_claims

PREDICTIVE = 10_000  # stream sub-key of the posterior predictive stage


@dataclass
class CalibrationResult:
    """Accepted particles (parameters, distance, weight), posterior summaries and the calibrated claim scores."""

    accepted: pd.DataFrame
    posterior: pd.DataFrame
    claim_scores: pd.DataFrame
    epsilons: list[float]
    out: Path
    capture_scores: pd.DataFrame | None = None
    ensemble: pd.DataFrame | None = None  # the calibrated ensemble's curves
    ensemble_captures: pd.DataFrame | None = None  # and its first captures (run_id, place, faction, date)


def to_unit(params: tuple[Parameter, ...], values: np.ndarray) -> np.ndarray:
    """Parameter values to the prior's unit cube (log ranges in log space)."""
    u = np.array(values, dtype=float, ndmin=2)
    for j, p in enumerate(params):
        lo, hi = (math.log(p.low), math.log(p.high)) if p.log else (p.low, p.high)
        x = np.log(u[:, j]) if p.log else u[:, j]
        u[:, j] = (x - lo) / (hi - lo)
    return u


def particle_distances(store: BatchStore, claims: pd.DataFrame) -> pd.Series:
    """Per design point of a stage: the mean claim error of its successful runs (inf if none succeeded).

    Area claims and capture claims both count (sim.batch.summary.claim_error).
    """
    runs = store.runs_table()
    curves = store.curves()
    err = (claim_error(curves, claims, captures=store.captures(), end=batch_end(store.manifest()))
           if len(curves) else pd.Series(dtype=float))
    runs = runs.assign(distance=runs["run_id"].map(err))
    runs.loc[runs["status"] != "ok", "distance"] = np.nan
    per_point = runs.groupby("point")["distance"].mean()
    return per_point.fillna(np.inf)


def _stage(exp: Experiment, out: Path, name: str, points: list[dict[str, Any]], gen_key: int, replicates: int,
           evaluator: Evaluator, progress: bool) -> BatchStore:
    specs: list[RunSpec] = run_specs(points, replicates, stream(exp.seed, ABC_STREAM, gen_key, 1))
    if progress:
        import sys

        print(f"{name}: {len(points)} parameter sets x {replicates} runs", file=sys.stderr)
    run_batch(exp, out / name, specs=specs, evaluator=evaluator, progress=progress, stage=name)
    return BatchStore(out / name)


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    x, w = x[order], w[order]
    cw = np.cumsum(w) - 0.5 * w
    return float(np.interp(q, cw / w.sum(), x))


def posterior_summary(accepted: pd.DataFrame, params: tuple[Parameter, ...]) -> pd.DataFrame:
    """Weighted mean, sd, median and 90% interval of each parameter, beside its prior range."""
    w = accepted["weight"].to_numpy(float)
    rows = []
    for p in params:
        x = accepted[p.name].to_numpy(float)
        mean = float(np.average(x, weights=w))
        sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
        rows.append({"parameter": p.name, "prior_low": p.low, "prior_high": p.high, "mean": mean, "sd": sd,
                     "p05": _weighted_quantile(x, w, 0.05), "median": _weighted_quantile(x, w, 0.5),
                     "p95": _weighted_quantile(x, w, 0.95), "min": float(x.min()), "max": float(x.max()),
                     "accepted": len(x)})
    return pd.DataFrame(rows)


def calibrate(exp: Experiment, out: str | Path, evaluator: Evaluator | None = None, workers: int | None = None,
              scheduler: str | None = None, claims_path: str | None = None, progress: bool = True,
              write_report: bool = True, claims: pd.DataFrame | None = None, fit_days: int | None = None,
              predictive_days: int | None = None) -> CalibrationResult:
    """Fit the experiment's parameters to its claims by ABC (rejection or SMC); write the outputs into `out`.

    `claims` (a claims table) replaces the experiment's claims file; `fit_days` runs the fitting stages for
    that many days only and `predictive_days` the calibrated ensemble for that many (a hindcast fits on the
    days before its split and forecasts beyond; both default to the experiment's days).
    """
    cal = exp.calibration
    assert cal is not None, "not a calibration experiment"
    if claims is None:
        claims = read_claims(claims_path or exp.claims)
        if cal.claims_until:  # later claims are held out (see `badia hindcast` for scoring them)
            claims = claims[claims["date"] <= cal.claims_until]
    fit_exp = exp if fit_days is None else replace(exp, days=fit_days)
    out = Path(out)
    params = exp.parameters
    names = [p.name for p in params]
    n_keep = max(1, math.ceil(cal.accept * cal.samples))
    own = evaluator is None
    evaluator = evaluator or make_evaluator(workers, scheduler)
    try:
        rng = np.random.default_rng(stream(exp.seed, ABC_STREAM, 0, 0))
        unit = rng.random((cal.samples, len(params)))
        points = from_unit(params, unit)
        store = _stage(fit_exp, out, "gen-0", points, 0, cal.replicates, evaluator, progress)
        dist = particle_distances(store, claims).reindex(range(len(points))).fillna(np.inf).to_numpy()
        prior_draws = pd.DataFrame(points)
        pop = pd.DataFrame(points).assign(distance=dist, generation=0, point=np.arange(len(points)), weight=1.0)
        pop = pop.sort_values(["distance", "point"], kind="stable").head(n_keep).reset_index(drop=True)
        epsilons = [float(pop["distance"].max())]
        generations = cal.generations if cal.method == "smc" else 1
        for g in range(1, generations):
            pop, eps = _smc_generation(fit_exp, out, g, pop, params, n_keep, evaluator, claims, progress)
            epsilons.append(eps)
        pop["weight"] = pop["weight"] / pop["weight"].sum()
        posterior = posterior_summary(pop, params)
        pred_exp = exp if predictive_days is None else replace(exp, days=predictive_days)
        if cal.predictive == 0 and pred_exp.days != fit_exp.days:
            raise ScenarioError(str(exp.path), "calibration.predictive", "a posterior predictive ensemble "
                                "(predictive > 0) to forecast beyond the fitted days", cal.predictive)
        ensemble, captures, end = _calibrated_curves(pred_exp if cal.predictive else fit_exp, out, pop, params,
                                                     evaluator, progress)
    finally:
        if own:
            evaluator.close()
    scores = score_claims(ensemble, claims)
    capture_scores = score_captures(captures, claims, ensemble["run_id"].unique(), end)
    accepted = pop[[*names, "distance", "weight", "generation", "point"]]
    result = CalibrationResult(accepted=accepted, posterior=posterior, claim_scores=scores, epsilons=epsilons,
                               out=out, capture_scores=capture_scores, ensemble=ensemble, ensemble_captures=captures)
    if write_report:
        _write_outputs(exp, result, prior_draws, ensemble, claims)
    return result


def _smc_generation(exp: Experiment, out: Path, g: int, pop: pd.DataFrame, params: tuple[Parameter, ...],
                    n_keep: int, evaluator: Evaluator, claims: pd.DataFrame,
                    progress: bool) -> tuple[pd.DataFrame, float]:
    cal = exp.calibration
    names = [p.name for p in params]
    rng = np.random.default_rng(stream(exp.seed, ABC_STREAM, g, 0))
    theta = to_unit(params, pop[names].to_numpy(float))
    w = pop["weight"].to_numpy(float)
    w = w / w.sum()
    cov = 2.0 * np.atleast_2d(np.cov(theta.T, aweights=w)) + 1e-9 * np.eye(len(params))
    n_new = cal.samples - n_keep
    new = np.empty((0, len(params)))
    chol = np.linalg.cholesky(cov)
    while len(new) < n_new:  # perturb resampled particles; redraw those outside the prior's support
        idx = rng.choice(len(theta), size=n_new, p=w)
        cand = theta[idx] + rng.standard_normal((n_new, len(params))) @ chol.T
        cand = cand[np.all((cand >= 0) & (cand <= 1), axis=1)]
        new = np.vstack([new, cand])[:n_new]
    points = from_unit(params, new)
    store = _stage(exp, out, f"gen-{g}", points, g, cal.replicates, evaluator, progress)
    dist = particle_distances(store, claims).reindex(range(len(points))).fillna(np.inf).to_numpy()
    # Importance weights: uniform prior over the unit cube / mixture of kernels around the old population.
    inv = np.linalg.inv(cov)
    diff = to_unit(params, pd.DataFrame(points)[names].to_numpy(float))[:, None, :] - theta[None, :, :]
    kern = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
    new_w = 1.0 / np.maximum(kern @ w, 1e-300)
    fresh = pd.DataFrame(points).assign(distance=dist, generation=g, point=np.arange(len(points)), weight=new_w)
    merged = pd.concat([pop, fresh], ignore_index=True)
    merged = merged.sort_values(["distance", "generation", "point"], kind="stable").head(n_keep)
    return merged.reset_index(drop=True), float(merged["distance"].max())


def _calibrated_curves(exp: Experiment, out: Path, pop: pd.DataFrame, params: tuple[Parameter, ...],
                       evaluator: Evaluator, progress: bool) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The calibrated ensemble: a posterior predictive batch, or the accepted particles' own runs.

    Returns its curves, its first captures (run_id, place, faction, date) and its last day.
    """
    cal = exp.calibration
    names = [p.name for p in params]
    if cal.predictive > 0:
        rng = np.random.default_rng(stream(exp.seed, ABC_STREAM, PREDICTIVE, 0))
        w = pop["weight"].to_numpy(float)
        idx = rng.choice(len(pop), size=cal.predictive, p=w / w.sum())
        points = [{n: pop[n].iloc[i].item() for n in names} for i in idx]
        store = _stage(exp, out, "predictive", points, PREDICTIVE, 1, evaluator, progress)
        return store.curves(), store.captures(), batch_end(store.manifest())
    frames, caps = [], []
    end = ""
    for g, chosen in pop.groupby("generation"):
        store = BatchStore(out / f"gen-{g}")
        end = batch_end(store.manifest())
        runs = store.runs_table()
        ids = runs[runs["point"].isin(chosen["point"]) & (runs["status"] == "ok")]["run_id"]
        c = store.curves()
        c = c[c["run_id"].isin(ids)].copy()
        c["run_id"] = c["run_id"] + int(g) * 1_000_000  # distinct ids across generations
        frames.append(c)
        k = store.captures()
        k = k[k["run_id"].isin(ids)].copy()
        k["run_id"] = k["run_id"] + int(g) * 1_000_000
        caps.append(k)
    return pd.concat(frames, ignore_index=True), pd.concat(caps, ignore_index=True), end


def _write_outputs(exp: Experiment, res: CalibrationResult, prior_draws: pd.DataFrame, ensemble: pd.DataFrame,
                   claims: pd.DataFrame) -> None:
    from sim.batch import plots
    from sim.batch.summary import bands

    out = res.out
    names = exp.parameter_names
    write_text(out / "accepted.csv", res.accepted.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    write_text(out / "posterior.csv", res.posterior.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    write_text(out / "calibrated_claims.csv",
               res.claim_scores.to_csv(index=False, float_format="%.4f", lineterminator="\n"))
    if res.capture_scores is not None and len(res.capture_scores):
        write_text(out / "calibrated_captures.csv",
                   res.capture_scores.to_csv(index=False, float_format="%.4f", lineterminator="\n"))
    band_table = bands(ensemble, ("gained_km2", "area_km2"))
    write_text(out / "calibrated_summary.csv",
               band_table.to_csv(index=False, float_format="%.3f", lineterminator="\n"))
    info = {"experiment": exp.name, "experiment_sha256": exp.sha256, "scenario_sha256": exp.scenario_sha256,
            "method": exp.calibration.method, "samples": exp.calibration.samples,
            "accept": exp.calibration.accept, "replicates": exp.calibration.replicates,
            "generations": len(res.epsilons), "epsilons": res.epsilons, "accepted": len(res.accepted),
            "predictive": exp.calibration.predictive, "claims": exp.claims,
            "claims_until": exp.calibration.claims_until, "parameters": names}
    write_text(out / "calibration.json", json.dumps(info, indent=2) + "\n")
    ensemble_label = ("posterior predictive ensemble" if exp.calibration.predictive
                      else "runs of the accepted parameter sets")
    sections: list[tuple[str, Any]] = [
        ("Calibration", f"<p>{exp.calibration.method} ABC, {exp.calibration.samples} parameter sets per generation "
                        f"x {exp.calibration.replicates} runs, {len(res.epsilons)} generation(s), "
                        f"{len(res.accepted)} accepted; tolerance by generation: "
                        f"{', '.join(f'{e:.4f}' for e in res.epsilons)} (mean relative distance to the claimed "
                        f"ranges).</p>"),
        ("Posterior summaries", plots.table_html(res.posterior)),
        ("Posterior vs prior", plots.posterior_figure(res.accepted, prior_draws, names)),
        (f"Calibrated ensemble ({ensemble_label}) against the claims",
         plots.bands_figure(band_table, "gained_km2", claims, title="territory gained (km²)")),
        ("Claims", plots.table_html(res.claim_scores)),
    ]
    if res.capture_scores is not None and len(res.capture_scores):
        sections.append(("Dated captures", plots.table_html(res.capture_scores)))
    write_text(out / "calibration.html", plots.html_page(f"Calibration: {exp.name}", sections))
