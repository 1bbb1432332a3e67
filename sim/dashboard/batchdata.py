"""Reading a batch directory (written by `sim.batch`; read here, never written).

Layout: `manifest.json` (experiment, scenario, parameter names, design, master seed, number of runs, days),
`runs/<run_id>.json` (run_id, point, replicate, seed, params, status, error, wall_seconds) and
`curves/part-<run_id:06d>.parquet` (run_id, date, day, faction, area_km2, gained_km2, strength, units,
places_held). A run of the batch is re-run on demand from its seed and params to draw its map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ScenarioError

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


@dataclass
class Batch:
    """A batch directory's manifest, run records and curves."""

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame  # one row per run: run_id, seed, status, error, wall_seconds, params...
    curves: pd.DataFrame
    params: list[str]
    scenario_path: str | None
    colours: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    claims: pd.DataFrame | None = None

    @property
    def days(self) -> int | None:
        days = self.manifest.get("days")
        return int(days) if days is not None else None

    def outcomes(self, measure: str) -> pd.DataFrame:
        """The last day's `measure` per run and faction, joined to the run's parameters."""
        if self.curves.empty:
            return pd.DataFrame(columns=["run_id", "faction", measure, *self.params])
        last = self.curves[self.curves["day"] == self.curves.groupby("run_id")["day"].transform("max")]
        cols = ["run_id", *[p for p in self.params if p in self.runs.columns]]
        return last[["run_id", "faction", measure]].merge(self.runs[cols], on="run_id", how="left")

    def run_record(self, run_id: int) -> dict[str, Any]:
        rows = self.runs[self.runs["run_id"] == run_id]
        if rows.empty:
            raise ScenarioError(self.path.name, "run", "a run id of this batch", run_id)
        return json.loads((self.path / "runs" / f"{rows['file'].iloc[0]}").read_text(encoding="utf-8"))


def _scenario_ref(manifest: dict[str, Any]) -> str | None:
    sc = manifest.get("scenario")
    if isinstance(sc, dict):
        return sc.get("path") or sc.get("name")
    return manifest.get("scenario_path") or sc


def read_batch(path: Path) -> Batch:
    """Read a batch directory; a missing or broken part is a ScenarioError naming it."""
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(path.name, "manifest.json", "a readable batch manifest", None, str(exc)) from None
    records = []
    for f in sorted((path / "runs").glob("*.json")):
        try:
            r = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a run being written right now: picked up on the next refresh
        records.append({"run_id": int(r["run_id"]), "seed": r.get("seed"), "status": r.get("status"),
                        "error": r.get("error") or "", "wall_seconds": r.get("wall_seconds"),
                        "point": r.get("point"), "replicate": r.get("replicate"), "file": f.name,
                        **{k: v for k, v in (r.get("params") or {}).items()}})
    runs = pd.DataFrame(records)
    parts = sorted((path / "curves").glob("part-*.parquet"))
    curves = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else pd.DataFrame(
        columns=["run_id", "date", "day", "faction", "area_km2", "gained_km2"])
    params = list(manifest.get("parameters") or manifest.get("parameter_names") or [])
    if not params and not runs.empty:
        params = [c for c in runs.columns if "." in c]
    batch = Batch(path=path, manifest=manifest, runs=runs, curves=curves, params=params,
                  scenario_path=_scenario_ref(manifest))
    _decorate(batch)
    return batch


def _decorate(batch: Batch) -> None:
    """Faction names, colours and claims from the batch's scenario, if it is a shipped one."""
    from sim import api
    from sim.dashboard import safety

    factions = list(dict.fromkeys(batch.curves["faction"])) if not batch.curves.empty else []
    batch.colours = {f: PALETTE[i % len(PALETTE)] for i, f in enumerate(factions)}
    batch.names = {f: f for f in factions}
    ref = batch.scenario_path
    if not ref:
        return
    try:
        path = safety.allowed_scenario_path(ref) if Path(ref).suffix == ".toml" else safety.shipped_scenario(ref)
        sc = api.load(path)
    except ScenarioError:
        return
    batch.scenario_path = str(path)
    batch.colours.update({f.id: f.colour for f in sc.factions})
    batch.names.update({f.id: f.name for f in sc.factions})
    if sc.meta.claims:
        from sim.io.claims import read_claims
        batch.claims = read_claims(sc.meta.claims)
