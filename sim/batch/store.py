"""The batch directory: streaming, atomic, resumable storage of a batch's runs.

Layout (read concurrently by other tools, e.g. the dashboard; keep it stable):

    DIR/manifest.json                 experiment and scenario (paths, sha256), package version, design kind,
                                      parameter names, master seed, number of runs, days
    DIR/runs/<run_id>.json            one per finished run: run_id, point, replicate, seed, params, status,
                                      error, wall_seconds, captures ([place, faction, date] of the first
                                      time each faction took each place); written last, so its presence
                                      means "done"
    DIR/curves/part-<run_id:06d>.parquet
                                      one per successful run: run_id, date, day, faction, area_km2, gained_km2,
                                      locality_km2, locality_gained_km2, front_km, strength, units, places_held
    DIR/runs.parquet                  the runs table (one column per parameter, named by its dotted key),
                                      rewritten at the end of a batch and by `badia summarize`

Every file is written to a temporary name and renamed, so readers never see a half-written file (temporary
names start with '.', which pyarrow skips and `*.parquet` globs do not match). A run's curves are written
before its record: a kill between the two leaves a part that the rerun rewrites under the same name, so
nothing is lost or duplicated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import BadiaError, BatchError, UsageError
from sim.io.atomic import write_text, write_with

if TYPE_CHECKING:
    from sim.scenario import Scenario

CURVES_SCHEMA = pa.schema([
    ("run_id", pa.int64()), ("date", pa.string()), ("day", pa.int64()), ("faction", pa.string()),
    ("area_km2", pa.float64()), ("gained_km2", pa.float64()), ("locality_km2", pa.float64()),
    ("locality_gained_km2", pa.float64()), ("front_km", pa.float64()), ("strength", pa.float64()),
    ("units", pa.int64()), ("places_held", pa.int64()),
])
MARKERS = ("manifest.json", "runs")  # what makes a directory a batch directory
RUN_FIELDS = ["run_id", "point", "replicate", "seed", "status", "error", "wall_seconds"]
# Manifest keys that must match for a directory to be resumed by an experiment.
IDENTITY_KEYS = ("experiment_sha256", "scenario_sha256", "design", "parameters", "master_seed", "runs", "days",
                 "stage")


class BatchStore:
    """Reads and writes one batch directory: the one place that knows its layout (the batch commands and the
    dashboard both read batches through it)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.curves_dir = self.root / "curves"

    # ------------------------------------------------------------------ writing
    def open(self, manifest: dict[str, Any]) -> None:
        """Create the directory with its manifest, or check that an existing one belongs to the same batch."""
        if self.root.exists() and not self.root.is_dir():
            raise UsageError("--out", "out", "a directory path", str(self.root), "A file with that name exists.")
        path = self.root / "manifest.json"
        if path.is_file():
            old = self.manifest()
            diff = [k for k in IDENTITY_KEYS if old.get(k) != manifest.get(k)]
            if diff:
                raise BatchError(str(self.root), diff[0], f"a batch directory of this experiment "
                                 f"({diff[0]} = {manifest.get(diff[0])!r})", old.get(diff[0]),
                                 "It holds another batch (or the experiment or scenario changed since); "
                                 "choose a new --out directory.")
            manifest = {**manifest, "created_at": old.get("created_at", manifest.get("created_at"))}
        elif self.root.is_dir() and any(self.root.iterdir()):
            raise UsageError("--out", "out", "a new or empty directory, or a batch directory to resume",
                             str(self.root), "It holds other files; choose a new --out directory.")
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.curves_dir.mkdir(parents=True, exist_ok=True)
        for d in (self.root, self.runs_dir, self.curves_dir):  # temporaries left by a killed batch
            for tmp in d.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        self.write_manifest(manifest)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_text(self.root / "manifest.json", json.dumps(manifest, indent=2) + "\n")

    def curves_path(self, run_id: int) -> Path:
        return self.curves_dir / f"part-{run_id:06d}.parquet"

    def record_path(self, run_id: int) -> Path:
        return self.runs_dir / f"{run_id}.json"

    def write_run(self, record: dict[str, Any], curves: pd.DataFrame | None) -> None:
        """Store one finished run: curves first, then the record that marks it done."""
        run_id = int(record["run_id"])
        if curves is not None:
            df = curves.copy()
            df.insert(0, "run_id", run_id)
            table = pa.Table.from_pandas(df, schema=CURVES_SCHEMA, preserve_index=False)
            write_with(self.curves_path(run_id), lambda p: pq.write_table(table, p))
        write_text(self.record_path(run_id), json.dumps(record) + "\n")

    # ------------------------------------------------------------------ reading
    def manifest(self) -> dict[str, Any]:
        path = self.root / "manifest.json"
        if not path.is_file():
            raise BatchError(str(self.root), "", "a batch directory with manifest.json", None,
                             "Run `badia batch EXPERIMENT --out DIR` first.")
        return _read_json(path, "the batch's manifest (a JSON object)")

    def record(self, run_id: int) -> dict[str, Any]:
        """One finished run's record (runs/<run_id>.json)."""
        path = self.record_path(run_id)
        if not path.is_file():
            raise BatchError(str(self.root), "run", "a run id of this batch", run_id)
        return _read_json(path, "a run record (a JSON object)")

    def done_ids(self) -> set[int]:
        """Run ids with a record (finished, successfully or not)."""
        out = set()
        for p in self.runs_dir.glob("*.json"):
            if p.stem.isdigit():
                out.add(int(p.stem))
        return out

    def records(self) -> list[dict[str, Any]]:
        out = []
        for p in sorted(self.runs_dir.glob("*.json"), key=lambda q: int(q.stem) if q.stem.isdigit() else -1):
            if p.stem.isdigit():
                out.append(_read_json(p, "a run record (a JSON object)"))
        return out

    def runs_table(self) -> pd.DataFrame:
        """The runs table from the per-run records: one row per finished run, one column per parameter."""
        params = list(self.manifest().get("parameters", []))
        rows = []
        for r in self.records():
            row = {k: r.get(k) for k in RUN_FIELDS}
            for name in params:
                row[name] = r.get("params", {}).get(name)
            rows.append(row)
        df = pd.DataFrame(rows, columns=RUN_FIELDS + params)
        return df.astype({"run_id": "int64", "point": "int64", "replicate": "int64", "seed": "int64",
                          "wall_seconds": "float64"})

    def captures(self) -> pd.DataFrame:
        """Every successful run's first captures: run_id, place, faction, date (ISO)."""
        rows = [(r["run_id"], *c) for r in self.records() if r.get("status") == "ok" for c in r.get("captures", [])]
        return pd.DataFrame(rows, columns=["run_id", "place", "faction", "date"])

    def consolidate(self) -> pd.DataFrame:
        """Rewrite DIR/runs.parquet from the records and return the table."""
        df = self.runs_table()
        write_with(self.root / "runs.parquet", lambda p: df.to_parquet(p, index=False))
        return df

    def curves(self, columns: list[str] | None = None) -> pd.DataFrame:
        """All curves of successful runs, sorted by run, day and faction (empty frame if none)."""
        parts = sorted(self.curves_dir.glob("part-*.parquet"))
        if not parts:
            return pd.DataFrame({f.name: pd.Series(dtype=f.type.to_pandas_dtype()) for f in CURVES_SCHEMA})
        df = pd.read_parquet(self.curves_dir, columns=columns)
        if "run_id" in df.columns:  # a part without its record is from a run killed mid-write: not done yet
            df = df[df["run_id"].isin(self.done_ids())]
        keys = [k for k in ("run_id", "day", "faction") if k in df.columns]
        return df.sort_values(keys).reset_index(drop=True)

    def scenario(self, resolve: Callable[[str], Path | str] | None = None) -> Scenario | None:
        """The batch's scenario with the experiment's fixed overrides, or None when it cannot be loaded (moved,
        changed since, or refused by `resolve`, which turns the manifest's reference into a file to open)."""
        from sim import catalog
        from sim.scenario import load_scenario

        m = self.manifest()
        ref = m.get("scenario_path") or m.get("scenario")
        if not ref:
            return None
        try:
            path = resolve(str(ref)) if resolve is not None else catalog.resolve(str(ref))
            return load_scenario(path, m.get("overrides") or None)
        except BadiaError:
            return None


def _read_json(path: Path, expected: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BatchError(str(path), "", expected, None, f"It could not be read ({exc}).") from None
    if not isinstance(value, dict):
        raise BatchError(str(path), "", expected, type(value).__name__)
    return value
