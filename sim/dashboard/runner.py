"""What a dashboard job does: load (checked before the job starts, so bad input is reported at once) and
run a scenario, and show its Run with the scenario's claims. Runs are deterministic: a seed and overrides give the same
result as `badia run --seed S --set K=V`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import api
from sim.dashboard.jobs import Progress
from sim.dashboard.panels import Pair, Shown
from sim.rundata import Run
from sim.scenario import Scenario


@dataclass
class RunSpec:
    """One run to make: a scenario file, overrides, seed and length."""

    path: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    days: int | None = None
    label: str = ""
    save_to: Path | None = None  # the runs directory: save the run there, named by `name(...)`

    def title(self, sc: Scenario, seed: int | None, days: int) -> str:
        """The run's title: scenario, seed, days and every override, so that two runs are told apart."""
        changes = "".join(f", {k}={v}" for k, v in self.overrides.items())
        return f"{sc.meta.name}, seed {seed}, {days} days{changes}"

    def load(self) -> Scenario:
        """The scenario with its overrides (raises ScenarioError for a bad override)."""
        return api.load(self.path, self.overrides)


def run_spec(spec: RunSpec, progress: Progress | None = None, scenario: Scenario | None = None) -> Shown:
    """Run one spec and return what to draw (claims included if the scenario names them)."""
    sc = scenario or spec.load()
    if getattr(progress, "show", None) is not None:
        run = run_live(sc, spec, progress)
    else:
        run = api.run(sc, seed=spec.seed, days=spec.days or sc.meta.days, progress=progress,
                      overrides=spec.overrides)
    title = spec.title(sc, run.seed, run.days)
    claims = scenario_claims(sc.meta.claims)
    saved = ""
    if spec.save_to is not None:
        saved = run_dir_name(title)
        run.save(spec.save_to / saved, claims=claims)
    return Shown(run, claims, f"{spec.label}: {title}" if spec.label else title, saved)


def run_live(sc: Scenario, spec: RunSpec, progress: Any) -> Run:
    """`api.run` (the same model, seed and steps, so the same result) that also hands the page the run so far at
    the end of each day (`progress.show`, sim.viz.live.live_run), so that the map moves while the run goes."""
    from sim.limits import check_days
    from sim.model import ConflictModel
    from sim.viz.live import live_run

    days = check_days(spec.days or sc.meta.days)
    t0 = time.perf_counter()
    model = ConflictModel(sc, seed=spec.seed, days=days)

    def tick(done: int, total: int) -> None:
        progress.show(live_run(model))
        progress(done, total)

    model.run_model(tick)
    run = Run.from_model(model, spec.overrides, wall_seconds=time.perf_counter() - t0)
    model.release()
    return run


def run_dir_name(title: str) -> str:
    """The directory a run made in the dashboard is saved in (under the runs directory): its title as a file
    name (panels.run_name)."""
    from sim.dashboard.panels import run_name

    return run_name(title)


def scenario_claims(path: str | None):  # noqa: ANN201 - a claims DataFrame or None
    """The claims a scenario names, if any (sim.io.claims.read_claims)."""
    if not path:
        return None
    from sim.io.claims import read_claims

    return read_claims(path)


def open_saved(path: Path, rel: str = "") -> Shown:
    """A saved run directory (sim.io.rundir.read_run), with its scenario's outlines, roads and claims when the
    scenario is a shipped one (the dashboard opens no other files)."""
    from sim.dashboard import safety
    from sim.io.rundir import read_run

    run = read_run(path, scenario=lambda ref, overrides: api.load(safety.allowed_scenario_path(ref), overrides))
    claims = scenario_claims(run.scenario.meta.claims) if run.scenario is not None else None
    changes = "".join(f", {k}={v}" for k, v in run.meta.overrides.items())
    return Shown(run, claims, f"{run.meta.scenario}, seed {run.seed}, {run.days} days{changes} ({path.name})", rel)


def single(spec: RunSpec) -> Callable[[Progress], Shown]:
    """Job work for one run; the scenario is loaded (and checked) now, not in the worker."""
    sc = spec.load()
    return lambda progress: run_spec(spec, progress, sc)


def pair(a: RunSpec | Shown, b: RunSpec | Shown, labels: tuple[str, str]) -> Callable[[Progress], Pair]:
    """Job work for two runs (either may already be shown, e.g. a saved run)."""
    scs = [x.load() if isinstance(x, RunSpec) else None for x in (a, b)]
    total = sum((x.days or sc.meta.days) for x, sc in zip((a, b), scs, strict=True) if isinstance(x, RunSpec))

    def work(progress: Progress) -> Pair:
        done = 0
        out = []
        for x, sc in zip((a, b), scs, strict=True):
            if isinstance(x, Shown):
                out.append(x)
                continue
            base = done
            out.append(run_spec(x, lambda d, _n, base=base: progress(base + d, total), sc))
            done += x.days or sc.meta.days
        return Pair(out[0], out[1], labels)

    return work
