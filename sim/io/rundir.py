"""The run directory: curves.csv, control.npz, events.csv, manifest.json and report.html.

Every file is written atomically. `curves.csv` is written with fixed formatting so that the same scenario
and seed give byte-identical files.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

import sim
from sim.io.atomic import write_text, write_with

if TYPE_CHECKING:
    from sim.api import RunResult


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def manifest(result: RunResult) -> dict[str, Any]:
    sc, m = result.scenario, result.model
    return {
        "scenario": sc.meta.name,
        "scenario_path": str(Path(sc.source).resolve()) if sc.source != "<memory>" else sc.source,
        "scenario_sha256": sc.sha256,
        "seed": result.seed,
        "days": result.days,
        "start": sc.meta.start.isoformat(),
        "end": m.now.isoformat(),
        "step_hours": sc.meta.step_hours,
        "cell_km": m.world.grid.cell_km,
        "grid_shape": list(m.world.shape),
        "region_km2": round(m.world.region_area_km2, 3),
        "claims": sc.meta.claims,
        "overrides": _jsonable(result.overrides),
        "parameters": _jsonable(dict(sc.resolved)),
        "package_version": sim.__version__,
        "mesa_version": mesa.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "wall_seconds": round(result.wall_seconds, 3),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def control_arrays(result: RunResult) -> dict[str, np.ndarray]:
    """What control.npz holds: daily owner grids, the relations of each day (for the front line, with
    sim.rules.front.front_mask) and everything needed to draw them."""
    sc, m = result.scenario, result.model
    g = m.world.grid
    return {
        "owner": result.control,
        "hostile": np.stack(m.snapshot_hostile),  # (days + 1, F, F): who was hostile to whom each day
        "dates": np.array([d.date().isoformat() for d in m.snapshot_dates]),
        "faction_ids": np.array(m.factions.ids),
        "faction_colours": np.array([m.factions.colours[f] for f in m.factions.ids]),
        "bbox": np.array(sc.map.bbox, dtype=float),
        "cell_km": np.array(g.cell_km),
        "origin_xy_km": np.array([g.x0, g.y0]),
        "projection_lon0_lat0": np.array([g.projection.lon0, g.projection.lat0]),
        "projection": np.array("lambert_azimuthal_equal_area_sphere"),
        "region": m.world.region,
        "terrain": m.world.terrain,
        "road": m.world.road,
        "place_names": np.array([p.name for p in sc.places]),
        "place_lonlat": np.array([[p.lon, p.lat] for p in sc.places], dtype=float).reshape(-1, 2),
        "place_kinds": np.array([p.kind for p in sc.places]),
    }


def curves_csv(result: RunResult) -> str:
    df = result.curves
    return df.to_csv(index=False, float_format="%.3f", lineterminator="\n")


def write_run(result: RunResult, out_dir: Path, claims: Any = None) -> Path:
    """Write every output of a run into `out_dir` (created if needed) and return it.

    `claims` (a DataFrame from read_claims) are drawn in the report; by default the scenario's own.
    """
    from sim.viz.report import report_html

    if claims is None and result.scenario.meta.claims:
        from sim.io.claims import read_claims

        claims = read_claims(result.scenario.meta.claims)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / "curves.csv", curves_csv(result))
    write_text(out_dir / "events.csv", result.events.to_csv(index=False, float_format="%.1f", lineterminator="\n"))
    arrays = control_arrays(result)
    write_with(out_dir / "control.npz", lambda p: _savez(p, arrays))
    write_text(out_dir / "report.html", report_html(result, claims))
    write_text(out_dir / "manifest.json", json.dumps(manifest(result), indent=2) + "\n")
    return out_dir


def _savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
