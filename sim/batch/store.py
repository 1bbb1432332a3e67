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
from sim.io.atomic import unwritable, write_text, write_with

if TYPE_CHECKING:
    from sim.scenario import Scenario

CURVES_SCHEMA = pa.schema([
    ("run_id", pa.int64()), ("date", pa.string()), ("day", pa.int64()), ("faction", pa.string()),
    ("area_km2", pa.float64()), ("gained_km2", pa.float64()), ("locality_km2", pa.float64()),
    ("locality_gained_km2", pa.float64()), ("front_km", pa.float64()), ("strength", pa.float64()),
    ("units", pa.int64()), ("places_held", pa.int64()),
])
MARKERS = ("manifest.json", "runs")  # what makes a directory a batch directory
BATCH_KEYS = ("experiment", "design", "runs")  # keys a batch's manifest.json has (a run's has none of them)
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

    # ------------------------------------------------------------------ checking
    def require_batch(self) -> dict[str, Any]:
        """Check that this directory is a batch directory (a batch's manifest.json and runs/) and return its
        manifest. Anything else is a BatchError naming the directory and what it is instead: missing, a file, a
        run directory, a calibration's directory, a directory of runs and batches. Commands that read a batch
        (summarize, sensitivity, the dashboard's Batch view) call it before they read or write anything."""
        if self.is_batch():
            return self.manifest()
        raise BatchError(str(self.root), "", "a batch directory written by `badia batch` (a batch's manifest.json "
                         "and runs/)", *self._what())

    def is_batch(self) -> bool:
        """Whether this directory holds a batch's manifest.json and runs/ (see `require_batch`)."""
        path = self.root / "manifest.json"
        if not (path.is_file() and self.runs_dir.is_dir()):
            return False
        return _is_batch_manifest(_read_json(path, "the batch's manifest (a JSON object)"))

    def _what(self) -> tuple[str | None, str]:
        """(what this directory is, a hint) for the errors of a directory that is not a batch."""
        root = self.root
        if not root.exists():
            return None, "It does not exist. Run `badia batch EXPERIMENT --out DIR` first."
        if not root.is_dir():
            return "a file", "Give the directory `badia batch EXPERIMENT --out DIR` wrote."
        if (root / "manifest.json").is_file():
            man = _read_json(root / "manifest.json", "a manifest (a JSON object)")
            if _is_batch_manifest(man):
                return "a batch's manifest.json without runs/", "The batch is damaged: rerun `badia batch` with it."
            if (root / "curves.csv").is_file() or "grid_shape" in man:
                return ("a run directory (manifest.json of a run)",
                        f"That is one run (`badia run`); compare it with claims by `badia compare {root}`, or "
                        "give a batch directory (`badia batch EXPERIMENT --out DIR`).")
            return "a manifest.json that is not a batch's", f"A batch's manifest has {', '.join(BATCH_KEYS)}."
        gens = sorted(p.name for p in root.glob("gen-*") if (p / "manifest.json").is_file())
        if gens:
            return (f"a calibration's directory (batches {', '.join(gens[:3])}{' ...' if len(gens) > 3 else ''})",
                    f"Give one of its batches, e.g. {root / gens[-1]}.")
        entries = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
        if not entries:
            return "an empty directory", "Run `badia batch EXPERIMENT --out DIR` first."
        batches = [n for n in entries if BatchStore(root / n).is_batch()]
        if batches:
            return (f"a directory holding {len(batches)} batch(es) and {len(entries) - len(batches)} other entries",
                    f"Give one of the batches, e.g. {root / batches[0]}.")
        shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")
        return f"a directory holding {shown}", "Give the directory `badia batch EXPERIMENT --out DIR` wrote."

    # ------------------------------------------------------------------ writing
    def open(self, manifest: dict[str, Any]) -> None:
        """Create the directory with its manifest, or check that an existing one belongs to the same batch.

        A directory holding anything else (files, a run directory) is refused, and one that cannot be written is
        a UsageError naming --out, before any run starts.
        """
        if self.root.exists() and not self.root.is_dir():
            raise UsageError("--out", "out", "a directory path", str(self.root), "A file with that name exists.")
        path = self.root / "manifest.json"
        if path.is_file():
            old = self.manifest()
            if not _is_batch_manifest(old):
                what, _ = self._what()
                raise UsageError("--out", "out", "a new or empty directory, or a batch directory to resume",
                                 str(self.root), f"It is {what}; choose a new --out directory.")
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
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            self.curves_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise unwritable(self.root, exc, "--out") from None
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


def _is_batch_manifest(manifest: dict[str, Any]) -> bool:
    return all(k in manifest for k in BATCH_KEYS)


def _read_json(path: Path, expected: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BatchError(str(path), "", expected, None, f"It could not be read ({exc}).") from None
    if not isinstance(value, dict):
        raise BatchError(str(path), "", expected, type(value).__name__)
    return value
