"""A batch directory as the dashboard shows it, read through sim.batch.store.BatchStore (the one reader of the
batch layout; the dashboard never writes batches). A run of the batch is re-run on demand from its seed and
params to draw its map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.batch.store import BatchStore

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


@dataclass
class Batch:
    """A batch directory's manifest, runs table and curves, with its scenario's colours, names and claims."""

    store: BatchStore
    manifest: dict[str, Any]
    runs: pd.DataFrame  # one row per finished run: run_id, point, replicate, seed, status, error, wall_seconds, params
    curves: pd.DataFrame
    params: list[str]
    scenario_path: str | None  # the shipped scenario's file, if the batch's scenario is one
    colours: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    claims: pd.DataFrame | None = None

    @property
    def path(self) -> Path:
        return self.store.root

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
        return self.store.record(run_id)


def read_batch(path: Path) -> Batch:
    """Read a batch directory; a missing or broken part, or a directory that is not a batch (a saved run's), is a
    BatchError naming it."""
    from sim.dashboard import safety

    store = BatchStore(path)
    manifest = store.require_batch()  # the store's own check, as summarize and sensitivity use
    curves = store.curves()
    factions = list(dict.fromkeys(curves["faction"]))
    batch = Batch(store=store, manifest=manifest, runs=store.runs_table(), curves=curves,
                  params=list(manifest.get("parameters") or []), scenario_path=None,
                  colours={f: PALETTE[i % len(PALETTE)] for i, f in enumerate(factions)},
                  names={f: f for f in factions})

    def shipped(ref: str) -> Path:  # the dashboard opens shipped scenarios only
        return safety.allowed_scenario_path(ref) if Path(ref).suffix == ".toml" else safety.shipped_scenario(ref)

    sc = store.scenario(shipped)
    if sc is not None:
        batch.scenario_path = str(Path(sc.source).resolve())
        # Factions in the scenario's order (as a run lists them), not the store's alphabetical one: legends follow it.
        rank = curves["faction"].map({f.id: i for i, f in enumerate(sc.factions)})
        batch.curves = (curves.assign(rank=rank).sort_values(["run_id", "day", "rank"], kind="stable")
                        .drop(columns="rank").reset_index(drop=True))
        batch.colours.update({f.id: f.colour for f in sc.factions})
        batch.names.update({f.id: f.name for f in sc.factions})
        if sc.meta.claims:
            from sim.io.claims import read_claims

            batch.claims = read_claims(sc.meta.claims)
    return batch
