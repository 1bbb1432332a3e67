"""Builders shared by the dashboard tests: a small batch directory in the batch layout, a saved run, and a
dashboard server on a free localhost port. (No tests here; pytest collects the file harmlessly.)"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

import sim

BATCH_PARAM = "factions.west.doctrine.aggression"
BATCH_VALUES = (0.3, 0.6, 0.9)
BATCH_DAYS = 6


def make_batch(root: Path, name: str = "sweep") -> Path:
    """Six corridor runs (three aggression values x two replicates) written in the batch layout."""
    out = root / name
    (out / "runs").mkdir(parents=True)
    (out / "curves").mkdir()
    records = []
    for run_id, (point, rep) in enumerate(itertools.product(range(len(BATCH_VALUES)), range(2))):
        params = {BATCH_PARAM: BATCH_VALUES[point]}
        seed = 100 + run_id
        result = sim.run(sim.load("corridor", params), seed=seed, days=BATCH_DAYS, overrides=params)
        record = {"run_id": run_id, "point": point, "replicate": rep, "seed": seed, "params": params,
                  "status": "ok", "error": None, "wall_seconds": round(result.wall_seconds, 3)}
        (out / "runs" / f"{run_id}.json").write_text(json.dumps(record), encoding="utf-8")
        curves = result.curves.assign(run_id=run_id)
        curves.to_parquet(out / "curves" / f"part-{run_id:06d}.parquet", index=False)
        records.append({k: v for k, v in record.items() if k != "params"} | params)
    pd.DataFrame(records).to_parquet(out / "runs.parquet", index=False)
    manifest = {"experiment": "corridor aggression sweep", "scenario": {"name": "corridor",
                "path": str(sim.catalog.resolve("corridor").resolve())}, "parameters": [BATCH_PARAM],
                "design": "grid", "master_seed": 100, "n_runs": len(records), "days": BATCH_DAYS}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


def make_saved_run(root: Path, name: str = "saved-corridor") -> Path:
    return sim.run(sim.load("corridor"), seed=3, days=4).save(root / name)


@contextmanager
def dashboard_server(runs_dir: Path) -> Iterator[str]:
    """The dashboard served from a thread on 127.0.0.1 and a free port; yields its URL."""
    from werkzeug.serving import make_server

    from sim.dashboard.app import create_app

    server = make_server("127.0.0.1", 0, create_app(runs_dir).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(5)
