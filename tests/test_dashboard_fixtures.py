"""Builders shared by the dashboard tests: a small batch directory (written by the batch store), a saved run,
and a dashboard server on a free localhost port. (No tests here; pytest collects the file harmlessly.)"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sim

BATCH_PARAM = "factions.west.doctrine.aggression"
BATCH_VALUES = (0.3, 0.6, 0.9)
BATCH_DAYS = 6


def make_batch(root: Path, name: str = "sweep") -> Path:
    """Six corridor runs (three aggression values x two replicates) written by the batch store."""
    from sim import catalog
    from sim.batch.store import BatchStore

    out = root / name
    store = BatchStore(out)
    store.open({"experiment": "corridor aggression sweep", "scenario": "corridor",
                "scenario_path": str(catalog.resolve("corridor").resolve()), "parameters": [BATCH_PARAM],
                "design": "grid", "master_seed": 100, "runs": len(BATCH_VALUES) * 2, "days": BATCH_DAYS})
    for run_id, (point, rep) in enumerate(itertools.product(range(len(BATCH_VALUES)), range(2))):
        params = {BATCH_PARAM: BATCH_VALUES[point]}
        seed = 100 + run_id
        run = sim.run(sim.load("corridor", params), seed=seed, days=BATCH_DAYS, overrides=params)
        store.write_run({"run_id": run_id, "point": point, "replicate": rep, "seed": seed, "params": params,
                         "status": "ok", "error": None, "wall_seconds": round(run.wall_seconds, 3)}, run.curves)
    store.consolidate()
    return out


def make_saved_run(root: Path, name: str = "saved-corridor") -> Path:
    return sim.run(sim.load("corridor"), seed=3, days=4).save(root / name)


def make_runs_dir(root: Path) -> Path:
    """A dashboard runs directory as the tests use it: the `sweep` batch and the `saved-corridor` run."""
    make_batch(root)
    make_saved_run(root)
    return root


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


CHROMIUM = "/usr/bin/chromium"  # Debian's chromium: Playwright's own browser download does not work here
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian chromium driven by Playwright, closed on the way out (the dashboard's browser tests)."""
    import playwright.sync_api as playwright_api

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
