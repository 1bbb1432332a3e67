"""The run directory: the one writer (`write_run`) and the one reader (`read_run`) of a `Run` on disk.

    DIR/curves.csv      the daily curves, fixed formatting: the same scenario and seed give identical bytes
    DIR/events.csv      the event log
    DIR/control.npz     owner grids by day, relations by day, dates, factions and colours, and the map's layers
                        (grid geometry and projection, region, terrain, road cells, places)
    DIR/manifest.json   how the run was made (sim.rundata.RunMeta) and with which versions
    DIR/report.html     the self-contained report (sim.viz.report)

Every file is written atomically (sim.io.atomic); the format is the one runs have been written in, so the reader
reads directories written before the Run existed too.
"""

from __future__ import annotations

import json
import platform
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.errors import BadiaError, RunDirectoryError
from sim.io.atomic import make_dir, write_text, write_with
from sim.rundata import CURVE_KEYS, UNIT_COLUMNS, Run, RunMeta, place_table
from sim.scenario.schema import RESOURCE_KINDS
from sim.world.projection import EqualArea
from sim.world.raster import GridGeometry

FILES = ("curves.csv", "control.npz", "events.csv", "manifest.json", "report.html")  # what write_run writes
NEEDED = ("manifest.json", "curves.csv", "events.csv", "control.npz")  # what a directory must hold to be read
CONTROL_KEYS = ("owner", "dates", "faction_ids", "faction_colours", "bbox", "cell_km", "origin_xy_km",
                "projection_lon0_lat0", "region", "terrain", "road", "place_names", "place_lonlat", "place_kinds")
# (scenario reference, overrides) -> the scenario, or a BadiaError when it may not (DashboardPathError) or can
# not (ScenarioError) be loaded
ScenarioLoader = Callable[[str, Mapping[str, Any]], Any]


# --- writing ----------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def manifest(run: Run) -> dict[str, Any]:
    """What manifest.json holds: the run's metadata, its grid, and the versions that made it."""
    import mesa

    m = run.meta
    path = m.scenario_path
    return {
        "scenario": m.scenario,
        "scenario_path": str(Path(path).resolve()) if path and not path.startswith("<") else path,
        "scenario_sha256": m.scenario_sha256,
        "seed": m.seed,
        "days": m.days,
        "start": m.start,
        "end": m.end,
        "step_hours": m.step_hours,
        "cell_km": run.grid.cell_km,
        "grid_shape": list(run.grid.shape),
        "region_km2": round(run.region_km2, 3),
        "claims": m.claims,
        "overrides": _jsonable(m.overrides),
        "parameters": _jsonable(m.parameters),
        "package_version": sim.__version__,
        "mesa_version": mesa.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "wall_seconds": round(m.wall_seconds, 3),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def control_arrays(run: Run) -> dict[str, np.ndarray]:
    """What control.npz holds: daily owner grids, the relations of each day (for the front line, with
    sim.rules.front.front_mask) and everything needed to draw them."""
    g = run.grid
    out = {
        "owner": run.owner,
        "hostile": run.hostile,  # (days + 1, F, F): who was hostile to whom each day
        "dates": np.array(run.dates),
        "faction_ids": np.array(run.factions),
        "faction_colours": np.array([run.colours[f] for f in run.factions]),
        "bbox": np.array(run.bbox, dtype=float),
        "cell_km": np.array(g.cell_km),
        "origin_xy_km": np.array([g.x0, g.y0]),
        "projection_lon0_lat0": np.array([g.projection.lon0, g.projection.lat0]),
        "projection": np.array("lambert_azimuthal_equal_area_sphere"),
        "region": run.region,
        "terrain": run.terrain,
        "road": run.road,
        "place_names": np.array(run.places["name"].tolist(), dtype=str),
        "place_lonlat": run.places[["lon", "lat"]].to_numpy(float).reshape(-1, 2),
        "place_kinds": np.array(run.places["kind"].tolist(), dtype=str),
    }
    if run.units is not None:  # where each unit stood each day (sim.rundata.UNIT_COLUMNS)
        u = run.units
        out.update(unit_day=u["day"].to_numpy(np.int32), unit_name=np.array(u["name"].tolist(), dtype=str),
                   unit_faction=np.array([run.factions.index(f) for f in u["faction"]], dtype=np.int8),
                   unit_xy=u[["x", "y"]].to_numpy(np.float32).reshape(-1, 2),
                   unit_strength=u["strength"].to_numpy(np.float32))
    return {k: v for k, v in out.items() if v is not None}


def curves_csv(run: Run) -> str:
    """curves.csv's text (fixed formatting: the same scenario and seed give byte-identical files)."""
    return curves_text(run.curves)


def curves_text(curves: pd.DataFrame) -> str:
    """Curves as CSV text, formatted as curves.csv is (also for the dashboard's exports of one or two runs)."""
    return curves.to_csv(index=False, float_format="%.3f", lineterminator="\n")


def events_csv(run: Run) -> str:
    """events.csv's text."""
    return run.events.to_csv(index=False, float_format="%.1f", lineterminator="\n")


def write_run(run: Run, out_dir: Path, claims: pd.DataFrame | None = None) -> Path:
    """Write every file of a run into `out_dir` (created if needed) and return it.

    `claims` (a DataFrame from read_claims) are drawn in the report; by default the scenario's own. A file or
    directory that cannot be written is a UsageError naming it.
    """
    from sim.viz.report import report_html

    if claims is None and run.meta.claims:
        from sim.io.claims import read_claims

        claims = read_claims(run.meta.claims)
    make_dir(out_dir)
    write_text(out_dir / "curves.csv", curves_csv(run))
    write_text(out_dir / "events.csv", events_csv(run))
    arrays = control_arrays(run)
    write_with(out_dir / "control.npz", lambda p: _savez(p, arrays))
    write_text(out_dir / "report.html", report_html(run, claims))
    write_text(out_dir / "manifest.json", json.dumps(manifest(run), indent=2) + "\n")
    return out_dir


def _savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


# --- reading ----------------------------------------------------------------------------------------------


def _bad(path: Path, expected: str, found: object = None, hint: str = "") -> RunDirectoryError:
    return RunDirectoryError(str(path), "", expected, found, hint)


def read_run(path: Path, scenario: ScenarioLoader | None = None) -> Run:
    """Read a run directory (written by `badia run --out DIR` or `Run.save`, now or before) into a Run.

    `scenario`, if given, is called with the scenario the manifest names (its path, or its name) and the
    run's overrides; the scenario it returns gives the run its outlines, roads, zones, faction names and title.
    When it raises a BadiaError (the file is gone, changed or not allowed) the run is read without it: the map
    then shows what control.npz holds. Anything missing or unreadable in the directory is a RunDirectoryError
    naming the file, what was expected and what was found.
    """
    path = Path(path)
    if not path.is_dir():
        raise _bad(path, "a run directory written by `badia run --out DIR`",
                   "a file" if path.exists() else None, "" if path.exists() else "It does not exist.")
    missing = [name for name in NEEDED if not (path / name).is_file()]
    if missing:
        present = sorted(p.name for p in path.iterdir() if not p.name.startswith("."))
        found = ", ".join(present[:8]) + (f" and {len(present) - 8} more" if len(present) > 8 else "")
        raise _bad(path, f"a run directory with {', '.join(NEEDED)}", found or "an empty directory",
                   f"Missing: {', '.join(missing)}. Run `badia run --out DIR` to write one.")
    man = _read_manifest(path / "manifest.json")
    arrays = _read_control(path / "control.npz")
    curves = _read_csv(path / "curves.csv", {"date": str}, CURVE_KEYS)
    events = _read_events(path / "events.csv")
    sc = None
    if scenario is not None and man.get("scenario_path"):
        try:
            sc = scenario(str(man["scenario_path"]), man.get("overrides") or {})
        except BadiaError:
            sc = None  # gone, changed beyond loading, or not allowed: draw what control.npz holds
    try:
        return _run_of(path, man, arrays, curves, events, sc)
    except (TypeError, ValueError, KeyError, IndexError) as exc:  # a value of the wrong kind or length
        raise _bad(path, "a run directory as `badia run --out DIR` writes it", None,
                   f"Its manifest.json and control.npz do not fit together ({type(exc).__name__}: {exc}).") from None


def _read_manifest(file: Path) -> dict[str, Any]:
    try:
        man = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _bad(file, "a JSON manifest written with the run", None, f"It could not be read ({exc}).") from None
    if not isinstance(man, dict):
        raise _bad(file, "a JSON object (the run's manifest)", type(man).__name__)
    return man


def _read_control(file: Path) -> dict[str, np.ndarray]:
    if not zipfile.is_zipfile(file):
        raise _bad(file, "the run's owner grids and map layers (a numpy .npz archive)",
                   "a file that is not one (truncated, or of another kind)")
    try:
        with np.load(file, allow_pickle=False) as z:
            missing = [k for k in CONTROL_KEYS if k not in z.files]
            if missing:
                raise _bad(file, f"arrays {', '.join(CONTROL_KEYS)}", sorted(z.files),
                           f"Missing: {', '.join(missing)}.")
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise _bad(file, "the run's owner grids and map layers (a numpy .npz archive)", None,
                   f"It could not be read ({exc}).") from None
    owner = arrays["owner"]
    if owner.ndim != 3 or owner.shape[1:] != arrays["region"].shape or len(arrays["dates"]) != owner.shape[0]:
        raise _bad(file, "owner grids (days + 1, H, W) matching the region (H, W) and one date a grid",
                   f"owner {owner.shape}, region {arrays['region'].shape}, {len(arrays['dates'])} dates")
    return arrays


def _read_csv(file: Path, dtype: dict[str, type], needed: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(file, dtype=dtype)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # pandas' parser and empty-file errors are ValueErrors
        raise _bad(file, "a CSV table written with the run", None, f"It could not be read ({exc}).") from None
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise _bad(file, f"columns {', '.join(needed)}", list(df.columns), f"Missing: {', '.join(missing)}.")
    return df


def _read_events(file: Path) -> pd.DataFrame:
    """events.csv as Run.events holds it: text columns ('' where empty) and strength_lost a number."""
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _bad(file, "a CSV table written with the run", None, f"It could not be read ({exc}).") from None
    if "time" not in df.columns or "kind" not in df.columns:
        raise _bad(file, "columns time, kind, faction, place, ...", list(df.columns))
    if "strength_lost" in df.columns:
        df["strength_lost"] = pd.to_numeric(df["strength_lost"], errors="coerce")
    return df


def _run_of(path: Path, man: dict[str, Any], z: dict[str, np.ndarray], curves: pd.DataFrame, events: pd.DataFrame,
            sc: Any) -> Run:
    owner = z["owner"]
    lon0, lat0 = (float(v) for v in z["projection_lon0_lat0"])
    grid = GridGeometry(EqualArea(lon0, lat0), float(z["origin_xy_km"][0]), float(z["origin_xy_km"][1]),
                        float(z["cell_km"]), int(owner.shape[1]), int(owner.shape[2]))
    ids = tuple(str(f) for f in z["faction_ids"])
    names = dict(zip(ids, ids, strict=True))
    lonlat = z["place_lonlat"].reshape(-1, 2).astype(float)
    place_names = [str(n) for n in z["place_names"]]
    kinds = [str(k) for k in z["place_kinds"]]
    resource = [k in RESOURCE_KINDS for k in kinds]
    estimated = [False] * len(place_names)
    title, description = str(man.get("scenario") or path.name), ""
    if sc is not None:
        names.update({f.id: f.name for f in sc.factions if f.id in names})
        by_name = {p.name: p for p in sc.places}
        estimated = [bool(by_name[n].estimated) if n in by_name else False for n in place_names]
        title, description = sc.meta.title, sc.meta.description
    meta = RunMeta(
        scenario=str(man.get("scenario") or path.name), scenario_path=str(man.get("scenario_path") or ""),
        scenario_sha256=str(man.get("scenario_sha256") or ""), seed=man.get("seed"),
        days=int(man.get("days", owner.shape[0] - 1)), start=str(man.get("start") or ""), end=str(man.get("end") or ""),
        step_hours=int(man.get("step_hours") or 0), claims=man.get("claims"),
        overrides=MappingProxyType(dict(man.get("overrides") or {})),
        parameters=MappingProxyType(dict(man.get("parameters") or {})),
        wall_seconds=float(man.get("wall_seconds") or 0.0), title=title, description=description)
    return Run(
        meta=meta, curves=curves, events=events, owner=_readonly(owner), dates=tuple(str(d) for d in z["dates"]),
        hostile=_readonly(z["hostile"].astype(bool)) if "hostile" in z else None, factions=ids,
        names=MappingProxyType(names),
        colours=MappingProxyType(dict(zip(ids, (str(c) for c in z["faction_colours"]), strict=True))),
        grid=grid, bbox=tuple(float(v) for v in z["bbox"]), region=_readonly(z["region"].astype(bool)),
        terrain=_readonly(z["terrain"]), road=_readonly(z["road"]),
        places=place_table(place_names, kinds, lonlat[:, 0], lonlat[:, 1], grid, resource, estimated), scenario=sc,
        units=_units(z, ids))


def _units(z: dict[str, np.ndarray], ids: tuple[str, ...]) -> pd.DataFrame | None:
    """The units by day of control.npz (written since units were recorded; None for older directories)."""
    if "unit_day" not in z:
        return None
    xy = z["unit_xy"].reshape(-1, 2).astype(float)
    return pd.DataFrame({"day": z["unit_day"].astype(np.int32), "name": [str(n) for n in z["unit_name"]],
                         "faction": np.array(ids, dtype=object)[z["unit_faction"].astype(int)], "x": xy[:, 0],
                         "y": xy[:, 1], "strength": z["unit_strength"].astype(float)}, columns=UNIT_COLUMNS)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
