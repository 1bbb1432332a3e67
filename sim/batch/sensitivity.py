"""Sensitivity indices (SALib) of a batch's outcome and claim error with respect to its sampled parameters.

The method follows the design: a `saltelli` design gives Sobol indices (first order S1 and total ST), a
`morris` design gives Morris elementary effects (mu*, sigma), and any other sampled design (lhs, sobol,
factorial) gives RBD-FAST first-order indices, which need no special sample structure. Replicates of a point
are averaged first, so the indices describe the parameters, not the dice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.design import problem
from sim.batch.experiment import Parameter
from sim.batch.store import BatchStore
from sim.batch.summary import claim_error, outcome_values
from sim.errors import BatchError

METHOD_BY_DESIGN = {"saltelli": "sobol", "morris": "morris"}


def _params(manifest: dict[str, Any]) -> list[Parameter]:
    out = []
    for s in manifest.get("parameter_specs", []):
        values = tuple(s["values"]) if s.get("values") is not None else None
        low, high = s.get("low"), s.get("high")
        if low is None and values is not None:  # factorial over numbers: the listed range
            low, high = float(min(values)), float(max(values))
        out.append(Parameter(name=s["name"], values=values, low=low, high=high, log=bool(s.get("log")),
                             integer=bool(s.get("integer"))))
    return out


def point_outputs(root: str | Path, claims: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per design point: its parameter values and the replicate means of the outcome (and claim error)."""
    store = BatchStore(root)
    manifest = store.manifest()
    runs = store.runs_table()
    curves = store.curves()
    out = manifest.get("outcome") or {}
    faction = out.get("faction") or str(curves["faction"].iloc[0])
    per_run = outcome_values(curves, faction, out.get("measure", "gained_km2"), out.get("date")).to_frame()
    if claims is not None and len(claims):
        per_run = per_run.join(claim_error(curves, claims))
    table = runs[runs["status"] == "ok"].merge(per_run, left_on="run_id", right_index=True)
    names = list(manifest.get("parameters", []))
    outputs = [c for c in ("outcome", "claim_error") if c in table.columns]
    points = table.groupby("point")[names + outputs].mean(numeric_only=True).sort_index()
    return points, manifest


def analyze(root: str | Path, claims: pd.DataFrame | None = None, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """Sensitivity table (one row per output and parameter) and the method used."""
    points, manifest = point_outputs(root, claims)
    params = _params(manifest)
    if not params:
        raise BatchError(str(root), "parameters", "a batch whose design varies parameters", None,
                         "An ensemble varies only the seed; use a saltelli, morris or lhs experiment.")
    kind = manifest.get("design")
    method = METHOD_BY_DESIGN.get(kind, "rbd_fast")
    planned = manifest["runs"] // max(1, manifest.get("replicates", 1))
    if method in ("sobol", "morris") and len(points) < planned:
        raise BatchError(str(root), "runs", f"every design point finished ({planned}) for {method} indices",
                         len(points), "Resume the batch (rerun `badia batch` with the same --out) first.")
    prob = problem(params)
    x = _problem_space(params, points[[p.name for p in params]].to_numpy(float))
    rows = []
    for output in [c for c in ("outcome", "claim_error") if c in points.columns]:
        y = points[output].to_numpy(float)
        if np.ptp(y) == 0:
            for p in params:
                rows.append({"output": output, "parameter": p.name, "method": method, "note": "output constant"})
            continue
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(prob, y, calc_second_order=False, seed=seed)
            for i, p in enumerate(params):
                rows.append({"output": output, "parameter": p.name, "method": method, "S1": res["S1"][i],
                             "S1_conf": res["S1_conf"][i], "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})
        elif method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(prob, x, y, num_levels=int(manifest.get("levels", 4)), seed=seed)
            for i, p in enumerate(params):
                rows.append({"output": output, "parameter": p.name, "method": method, "mu_star": res["mu_star"][i],
                             "mu_star_conf": res["mu_star_conf"][i], "sigma": res["sigma"][i]})
        else:
            from SALib.analyze import rbd_fast

            res = rbd_fast.analyze(prob, x, y, M=min(10, max(1, (len(y) - 1) // 2 - 1)), seed=seed)
            for i, p in enumerate(params):
                rows.append({"output": output, "parameter": p.name, "method": method, "S1": res["S1"][i],
                             "S1_conf": res["S1_conf"][i]})
    return pd.DataFrame(rows), method


def _problem_space(params: list[Parameter], values: np.ndarray) -> np.ndarray:
    x = np.array(values, dtype=float)
    for j, p in enumerate(params):
        if p.log:
            x[:, j] = np.log(x[:, j])
    return x


def index_columns(method: str) -> tuple[list[str], list[str | None]]:
    """The index columns of a method and their confidence columns, for tables and bar charts."""
    if method == "sobol":
        return ["S1", "ST"], ["S1_conf", "ST_conf"]
    if method == "morris":
        return ["mu_star", "sigma"], ["mu_star_conf", None]
    return ["S1"], ["S1_conf"]
