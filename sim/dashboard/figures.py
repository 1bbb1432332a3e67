"""Figures of the dashboard: the control map for one day, the difference map, curves of two runs, ensemble
bands and outcome-against-parameter plots. Each run's figure takes the Run (sim.rundata).

The map is the report's (sim.viz.mapfig), for one day with hover text, dressed for a dashboard panel (`dress`):
zoomed to the theatre (where units start and ground changes hands, not the whole bounding box), one legend below
the plot (factions as entries, no colour bar eating the width), faction names rather than ids in the hover, and
place labels thinned so that they do not overprint, and the report's units, places taken and zones (mapfig). Moving
the day slider or playing does not go back to the server: `map_frames` gives the browser every day's owner grid
(uint8, base64), front line, units, places taken and title once, and a clientside callback (panels.py) patches the
drawn figure from them (traces 0, 1, UNITS_TRACE and CAPTURES_TRACE).
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Patch
from plotly.subplots import make_subplots

from sim.rundata import Run
from sim.viz import mapfig
from sim.viz.report import curves_spec

DIFF_SAME = "#e8e8e8"
NOBODY_PALE = "#f4f4f4"
OUTSIDE = "rgba(0,0,0,0)"
PALE = 0.82  # how far towards white the unchanged ground of the difference map is drawn
FRAME_BYTES = 24_000_000  # at most this many bytes of owner grids go to the browser per panel (days are spread)
IMPORTANCE = {"city": 0, "town": 1, "base": 2, "airbase": 2, "crossing": 3, "oil_field": 3, "gas_field": 3}
LEGEND_BELOW = {"orientation": "h", "x": 0.0, "xanchor": "left", "y": -0.01, "yanchor": "top", "font": {"size": 12},
                "itemsizing": "constant", "tracegroupgap": 4}
UNITS_TRACE, CAPTURES_TRACE = 2, 3  # the day's units and the places taken so far in a map (mapfig.map_spec(units=True))
UNIT_OPACITY = 0.8  # the ground under a unit's marker shows through it
CURVES_HEIGHT = 720  # px; the legend (up to five rows) has the bottom margin, under the date labels
CURVES_MARGIN = {"t": 40, "l": 60, "r": 20, "b": 170}
# at the foot of the figure (container coordinates), in the bottom margin under the date labels
CURVES_LEGEND = {**LEGEND_BELOW, "yref": "container", "y": 0.01, "yanchor": "bottom"}


def map_title(title: str, run: Run, day: int) -> str:
    return f"{title}: control on {run.dates[day]}"


def owner_labels(run: Run) -> list[str]:
    """What the hover says for each drawn owner code (mapfig.owner_z): 0 nobody, i + 1 the i-th faction's name."""
    return [mapfig.NOBODY, *[run.names.get(f, f) for f in run.factions]]


def owner_names(run: Run, day: int) -> list:
    """Who holds each cell that day, by faction name ('nobody'; '' outside the region), as nested lists."""
    names = np.array(owner_labels(run), dtype=object)[mapfig.owner_z(run, day)]
    names[~run.region] = ""
    return names.tolist()


def grid_box(run: Run) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) km of the whole grid."""
    g = run.grid
    return g.x0, g.x0 + g.width * g.cell_km, g.y0, g.y0 + g.height * g.cell_km


def theatre(*runs: Run) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) km of the area of operations of the runs: where units start and where ground changes hands
    on any day, with a margin, within the grid. A whole-country bounding box (the flagship's is Syria with parts of
    its neighbours) leaves the fighting in a third of the plot; this is what the maps open on. The whole grid if
    nothing moves and no units are known."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for run in runs:
        g = run.grid
        rows, cols = np.nonzero((run.owner != run.owner[:1]).any(axis=0) & run.region)
        xs.append(g.x0 + (cols + 0.5) * g.cell_km)
        ys.append(g.y0 + (rows + 0.5) * g.cell_km)
        units = run.scenario.units if run.scenario is not None else ()
        if units:
            ux, uy = g.projection.forward(np.array([u.lon for u in units]), np.array([u.lat for u in units]))
            xs.append(np.atleast_1d(np.asarray(ux, float)))
            ys.append(np.atleast_1d(np.asarray(uy, float)))
    full = grid_box(runs[0])
    x, y = np.concatenate(xs), np.concatenate(ys)
    if not x.size:
        return full
    pad = max(0.1 * max(np.ptp(x), np.ptp(y)), 6 * runs[0].grid.cell_km)
    x0, x1 = max(full[0], x.min() - pad), min(full[1], x.max() + pad)
    y0, y1 = max(full[2], y.min() - pad), min(full[3], y.max() + pad)
    return float(x0), float(x1), float(y0), float(y1)


def thin_labels(run: Run, view: tuple[float, float, float, float], width_px: float = 1000,
                height_px: float = 560) -> list[str]:
    """Place labels that do not overprint at this zoom: the more important places (cities, then towns, bases,
    crossings and fields, then the rest) keep theirs; a label whose box (about 6 px a character, 12 px high) would
    overlap one already kept is left to the hover."""
    p = run.places
    if not len(p):
        return []
    x0, x1, y0, y1 = view
    kpp = max((x1 - x0) / width_px, (y1 - y0) / height_px)  # km per pixel, as plotly fits the equal axes
    names = p["name"].astype(str).tolist()
    px, py = p["x"].to_numpy(float), p["y"].to_numpy(float)
    order = sorted(range(len(p)), key=lambda i: (IMPORTANCE.get(str(p["kind"].iloc[i]), 4), i))
    kept: list[int] = []
    out = [""] * len(p)
    for i in order:
        half_w = len(names[i]) * 3.0 * kpp
        clash = any(abs(px[i] - px[k]) < half_w + len(names[k]) * 3.0 * kpp and abs(py[i] - py[k]) < 13 * kpp
                    for k in kept)
        if not clash:
            kept.append(i)
            out[i] = names[i]
    return out


def faction_keys(run: Run, codes: list[int] | None = None, suffix: str = "", pale: bool = False) -> list[dict]:
    """Legend entries (no data) for the factions that hold ground on some day of the run: the heatmap's colours
    get names without a colour bar taking a quarter of the panel's width."""
    held = set(np.unique(run.owner).tolist()) if codes is None else set(codes)
    out = []
    for i, f in enumerate(run.factions):
        if i in held:
            colour = _pale(run.colours[f]) if pale else run.colours[f]
            out.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": run.names.get(f, f) + suffix,
                        "marker": {"symbol": "square", "size": 13, "color": colour,
                                   "opacity": 1 if pale or suffix else mapfig.OPACITY + 0.25},
                        "legendrank": 1, "hoverinfo": "skip"})
    return out


def _pale(colour: str, amount: float = PALE) -> str:
    """`colour` (#rrggbb) mixed towards white."""
    c = colour.lstrip("#")
    if len(c) != 6:
        return DIFF_SAME
    rgb = [int(c[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(v + (255 - v) * amount):02x}" for v in rgb)


def open_box_edges(run: Run, xs: list, ys: list) -> tuple[list, list]:
    """A neighbour's outline without the straight edges where its data was cut to a box (the shipped outlines are
    cut to lon 34–43.5, lat 31–38 for the flagship): a segment whose two ends lie on the same side of the outline's
    own lon/lat bounds becomes a break, so that the map shows the country's borders and no box around them."""
    x = np.array([np.nan if v is None else v for v in xs], dtype=float)
    y = np.array([np.nan if v is None else v for v in ys], dtype=float)
    lon, lat = run.grid.projection.inverse(x, y)
    if np.isnan(lon).all():
        return xs, ys
    lon0, lat0, lon1, lat1 = np.nanmin(lon), np.nanmin(lat), np.nanmax(lon), np.nanmax(lat)
    tol = 1e-6
    edge = ((np.abs(lon - lon0) < tol) * 1 | (np.abs(lon - lon1) < tol) * 2 | (np.abs(lat - lat0) < tol) * 4
            | (np.abs(lat - lat1) < tol) * 8)  # a corner is on two sides
    long = np.hypot(np.diff(lon), np.diff(lat)) > 0.05  # a cut is a long straight run; a border vertex is not
    cut = ((edge[:-1] & edge[1:]) != 0) & long
    if not cut.any():
        return xs, ys
    out_x: list = []
    out_y: list = []
    for i in range(len(xs)):
        out_x.append(xs[i])
        out_y.append(ys[i])
        if i < len(cut) and cut[i]:
            out_x.append(None)
            out_y.append(None)
    return out_x, out_y


def dress(fig: dict[str, Any], run: Run, view: tuple[float, float, float, float], height: int,
          keys: list[dict] | None = None) -> dict[str, Any]:
    """A mapfig figure dict made to fill a dashboard panel: zoomed to `view`, no colour bar, the factions and
    layers in one legend below the plot, thinned place labels (every name stays in the hover)."""
    data = fig["data"]
    context = {name for name, _ in run.scenario.map.context} if run.scenario is not None else set()
    for t in data:
        if t.get("type") == "heatmap":
            t["showscale"] = False
        if t.get("name") in context and t.get("mode") == "lines":
            t["x"], t["y"] = open_box_edges(run, list(t["x"]), list(t["y"]))
        if t.get("name") == "places" and len(run.places):
            p = run.places
            t["text"] = thin_labels(run, view, height_px=height - 120)
            t["textfont"] = {"size": 11, "color": "#111"}
            t["customdata"] = [[n, k, "estimated" if e else "located"]
                               for n, k, e in zip(p["name"], p["kind"], p["estimated"], strict=True)]
            t["hovertemplate"] = "%{customdata[0]}<br>%{customdata[1]} (%{customdata[2]})<extra></extra>"
    data.extend(faction_keys(run) if keys is None else keys)
    layout = fig["layout"]
    layout.update(height=height, margin={"t": 34, "l": 50, "r": 10, "b": 10}, legend=dict(LEGEND_BELOW),
                  title={"text": layout["title"]["text"], "font": {"size": 14}, "x": 0.01, "xanchor": "left",
                         "y": 0.99, "yanchor": "top"})
    x0, x1, y0, y1 = view
    # no tick labels on x: the legend sits right under the plot (the y axis keeps the scale in km)
    layout["xaxis"].update(range=[x0, x1], title={"text": ""}, showticklabels=False, zeroline=False)
    layout["yaxis"].update(range=[y0, y1], title={"text": ""}, ticksuffix=" km", zeroline=False)
    return fig


def map_dict(run: Run, day: int, title: str, height: int = 640,
             view: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """The control map of one day over borders, roads, zones and labelled places, with the day's units (sized by
    strength) and the places taken so far (mapfig's layers: traces UNITS_TRACE and CAPTURES_TRACE), zoomed to the
    theatre (or `view`); hover: owner's name, terrain, nearest place; a unit's name, faction and strength. A plain figure dict: the panels send it as it is (a
    go.Figure would validate the flagship's 94,000 hover texts, 2 s instead of 0.5)."""
    fig = mapfig.map_spec(run, day, hover=True, units=True, title=map_title(title, run, day), height=height)
    for t in fig["data"]:
        if t.get("legendgroup") == "tracks":  # the whole run's paths: shown from the legend, not over every day
            t["visible"] = "legendonly"
    fig["data"][UNITS_TRACE]["marker"]["opacity"] = UNIT_OPACITY
    fig["data"][0]["customdata"] = owner_names(run, day)
    fig["data"][0]["hovertemplate"] = "held by %{customdata}<br>%{text}<br>x %{x:.0f} km, y %{y:.0f} km<extra></extra>"
    return dress(fig, run, view or theatre(run), height)


def map_figure(run: Run, day: int, title: str, height: int = 640,
               view: tuple[float, float, float, float] | None = None) -> go.Figure:
    """`map_dict` as a go.Figure (PNG export, tests)."""
    return go.Figure(map_dict(run, day, title, height, view))


def day_patch(run: Run, day: int, title: str) -> Patch:
    """The part of `map_figure` that changes with the day (owner grid, owner names, front line, units, places taken,
    title)."""
    change = mapfig.day_update(run, day, hover=True, units=True)
    patch = Patch()
    patch["data"][0]["z"] = change["heatmap"]["z"]
    patch["data"][0]["customdata"] = owner_names(run, day)
    patch["data"][1]["x"], patch["data"][1]["y"] = change["front"]["x"], change["front"]["y"]
    for i, part in ((UNITS_TRACE, change["units"]), (CAPTURES_TRACE, change["captures"])):
        for k, v in part.items():
            if k == "marker":
                for mk, mv in v.items():
                    patch["data"][i]["marker"][mk] = mv
            else:
                patch["data"][i][k] = v
    patch["layout"]["title"]["text"] = map_title(title, run, day)
    return patch


def same_grid(a: Run, b: Run) -> bool:
    return a.owner.shape[1:] == b.owner.shape[1:] and a.factions == b.factions


# --- the difference map ------------------------------------------------------------------------------------------
def diff_codes(a: Run, b: Run, day: int) -> np.ndarray:
    """(H, W) uint8 codes of the difference map on `day` (each run's last day if it is shorter), n factions:
    0..n-1 held by that faction in B but not in A (strong colour); n..2n-1 held by that faction in both (pale);
    2n held by someone in A and by nobody in B; 2n+1 nobody in both; 2n+2 outside the region."""
    oa, ob = a.owner[min(day, a.days)], b.owner[min(day, b.days)]
    n = len(a.factions)
    z = np.where(oa != ob, np.where(ob >= 0, ob, 2 * n), np.where(oa >= 0, n + oa, 2 * n + 1))
    z[~a.region] = 2 * n + 2
    return z.astype(np.uint8)


def diff_labels(a: Run, labels: tuple[str, str]) -> list[str]:
    """The hover text of each difference code (see `diff_codes`)."""
    names = [a.names.get(f, f) for f in a.factions]
    return ([f"{nm} holds it in “{labels[1]}”, not in “{labels[0]}”" for nm in names]
            + [f"{nm} in both" for nm in names]
            + [f"held in “{labels[0]}”, by nobody in “{labels[1]}”", "nobody in both", ""])


def diff_km2(a: Run, b: Run, day: int) -> float:
    oa, ob = a.owner[min(day, a.days)], b.owner[min(day, b.days)]
    return float(((oa != ob) & a.region).sum()) * a.grid.cell_area_km2


def diff_title(a: Run, b: Run, day: int, labels: tuple[str, str]) -> str:
    return (f"Difference on {a.dates[min(day, a.days)]}: {diff_km2(a, b, day):,.0f} km² held differently, "
            f"in the colour of their owner in “{labels[1]}”")


def diff_marks(a: Run, b: Run, day: int, most: int = 400, small: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Centres (km) of circles around the cells held differently (one per block of cells, at most `most`) when
    they are fewer than `small` of the region's cells, so that a difference of a few cells is seen on a map of a
    whole theatre; none when the difference is large enough to see."""
    oa, ob = a.owner[min(day, a.days)], b.owner[min(day, b.days)]
    rows, cols = np.nonzero((oa != ob) & a.region)
    if not rows.size or rows.size > small * max(int(a.region.sum()), 1):
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    block = 4
    while True:
        cells, which = np.unique(np.stack([rows // block, cols // block], axis=1), axis=0, return_inverse=True)
        if len(cells) <= most:
            break
        block *= 2
    g = a.grid
    which = which.ravel()
    n = np.bincount(which)
    # each circle on the middle of the differing cells of its block
    return ((g.x0 + (np.bincount(which, cols) / n + 0.5) * g.cell_km).astype(np.float32),
            (g.y0 + (np.bincount(which, rows) / n + 0.5) * g.cell_km).astype(np.float32))


def diff_figure(a: Run, b: Run, day: int, labels: tuple[str, str] = ("A", "B"), height: int = 680,
                view: tuple[float, float, float, float] | None = None) -> go.Figure:
    """`diff_dict` as a go.Figure (PNG export, tests)."""
    return go.Figure(diff_dict(a, b, day, labels, height, view))


def diff_dict(a: Run, b: Run, day: int, labels: tuple[str, str] = ("A", "B"), height: int = 680,
              view: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """Cells whose owner differs between two runs on the same day in strong colours (the faction holding them in
    B), circled when they are few, over the ground both agree on in pale colours; a legend says which colour is
    which (roads, zones and places are left out of it: the maps of A and B below name them)."""
    xs, ys = mapfig.axes(a)
    n = len(a.factions)
    z = diff_codes(a, b, day)
    colours = ([a.colours[f] for f in a.factions] + [_pale(a.colours[f]) for f in a.factions]
               + ["#555555", NOBODY_PALE, OUTSIDE])
    text = np.array(diff_labels(a, labels), dtype=object)[z].tolist()
    heat = {"type": "heatmap", "x": xs, "y": ys, "z": z, "zmin": -0.5, "zmax": 2 * n + 2.5,
            "colorscale": mapfig.discrete_colourscale(colours), "showscale": False, "customdata": text,
            "hovertemplate": "%{customdata}<extra></extra>", "name": "difference"}
    mx, my = diff_marks(a, b, day)
    marks = {"type": "scatter", "x": mx, "y": my, "mode": "markers", "name": "where they differ (circled)",
             "marker": {"symbol": "circle-open", "size": 16, "color": "#111", "line": {"width": 1.5}},
             "hoverinfo": "skip"}
    gained = set(np.unique(np.concatenate([ob[(oa != ob) & (ob >= 0)] for oa, ob in
                                           zip(a.owner, b.owner[: a.days + 1], strict=False)])).tolist())
    keys = faction_keys(a, sorted(gained), suffix=f" holds it in “{labels[1]}”, not in “{labels[0]}”")
    keys.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": "pale: the same in both",
                 "marker": {"symbol": "square", "size": 13, "color": DIFF_SAME}, "hoverinfo": "skip"})
    overlays = [{**t, "showlegend": False} for t in mapfig.overlay_traces(a)]
    fig = {"data": [heat, marks, *overlays], "layout": mapfig.map_layout(a, diff_title(a, b, day, labels), height)}
    dress(fig, a, view or theatre(a, b), height, keys=keys)
    fig["layout"]["meta"] = {"differ_km2": diff_km2(a, b, day)}
    return fig


# --- frames for the browser --------------------------------------------------------------------------------------
def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def _xy(xy: tuple[np.ndarray, np.ndarray]) -> list[list[float]]:
    return [np.round(xy[0], 2).tolist(), np.round(xy[1], 2).tolist()]


def frame_days(days: int, cells: int, maps: int = 1) -> list[int]:
    """The days whose grids go to the browser: every day, or (for long runs on big grids) days evenly spread so
    that the grids stay under FRAME_BYTES; the slider then shows the nearest earlier one, dated in its title."""
    most = max(2, FRAME_BYTES // max(cells * maps, 1))
    if days + 1 <= most:
        return list(range(days + 1))
    return sorted(set(np.linspace(0, days, most).astype(int).tolist()))


def map_frames(run: Run, title: str, days: list[int]) -> dict[str, Any]:
    """What the browser needs to show any of `days` on a `map_figure` of the run without asking the server: owner
    grids, front lines, titles, and the units and places taken (`unit_frames`, `capture_frames`)."""
    return {"shape": list(run.owner.shape[1:]), "days": days, "labels": owner_labels(run), "region": _b64(run.region),
            "z": [_b64(mapfig.owner_z(run, min(d, run.days))) for d in days],
            "marks": [_xy(mapfig.front_xy(run, min(d, run.days))) for d in days],
            "titles": [map_title(title, run, min(d, run.days)) for d in days],
            "units": unit_frames(run, days), "captures": capture_frames(run, days)}


def _round(a: Any, digits: int = 2) -> list[float]:
    return np.round(np.asarray(a, dtype=float), digits).tolist()


def unit_frames(run: Run, days: list[int]) -> dict[str, Any]:
    """Each of `days`' units trace (mapfig.units_update) in a compact form: every unit's name, faction name and
    colour once (`names`, `factions`, `colours`), and for each day `[units, x, y, strength, size]`, where `units`
    indexes those lists; `trace` is the units trace's index in the map. The browser rebuilds the trace from it."""
    index: dict[tuple[str, str, str], int] = {}
    per_day = []
    for d in days:
        u = mapfig.units_update(run, min(d, run.days))
        which = [index.setdefault((str(n), str(c[0]), str(col)), len(index))
                 for n, c, col in zip(u["text"], u["customdata"], u["marker"]["color"], strict=True)]
        per_day.append([which, _round(u["x"]), _round(u["y"]), [int(c[1]) for c in u["customdata"]],
                        _round(u["marker"]["size"], 1)])
    keys = list(index)
    return {"trace": UNITS_TRACE, "names": [k[0] for k in keys], "factions": [k[1] for k in keys],
            "colours": [k[2] for k in keys], "days": per_day}


def capture_frames(run: Run, days: list[int]) -> dict[str, Any]:
    """Each of `days`' places-taken trace (mapfig.captures_update) in a compact form: every (place, taker, date)
    once (`text`, `x`, `y`, `customdata`, `colours`) and for each day the list of those shown; `trace` is the trace's
    index in the map."""
    index: dict[tuple, int] = {}
    per_day = []
    for d in days:
        c = mapfig.captures_update(run, min(d, run.days))
        per_day.append([index.setdefault((str(n), round(float(x), 2), round(float(y), 2), tuple(cd), str(col)),
                                         len(index))
                        for n, x, y, cd, col in zip(c["text"], c["x"], c["y"], c["customdata"], c["marker"]["color"],
                                                    strict=True)])
    keys = list(index)
    return {"trace": CAPTURES_TRACE, "text": [k[0] for k in keys], "x": [k[1] for k in keys],
            "y": [k[2] for k in keys], "customdata": [list(k[3]) for k in keys], "colours": [k[4] for k in keys],
            "days": per_day}


def diff_frames(a: Run, b: Run, labels: tuple[str, str], days: list[int]) -> dict[str, Any]:
    """`map_frames` of the difference map."""
    return {"shape": list(a.owner.shape[1:]), "days": days, "labels": diff_labels(a, labels), "region": None,
            "z": [_b64(diff_codes(a, b, d)) for d in days], "marks": [_xy(diff_marks(a, b, d)) for d in days],
            "titles": [diff_title(a, b, d, labels) for d in days]}


# --- curves ----------------------------------------------------------------------------------------------------
def run_curves_figure(run: Run, claims: pd.DataFrame | None = None) -> go.Figure:
    """Territory held and gained per faction, with the reported claims (the report's figure)."""
    spec = curves_spec(run, claims)
    spec["layout"].update(height=CURVES_HEIGHT, title={"text": "Territory by day", "font": {"size": 14}},
                          legend=CURVES_LEGEND, margin=dict(CURVES_MARGIN, t=60))
    _date_range(spec["layout"], run)
    return go.Figure(spec)


def _date_range(layout: dict[str, Any], run: Run) -> None:
    """Both date axes over the run's days and half a day more, so that a claim on the last day shows whole (claims
    dated after the run would squash its curves)."""
    end = (pd.Timestamp(run.dates[-1]) + pd.Timedelta(hours=12)).isoformat()
    for key in ("xaxis", "xaxis2"):
        layout.setdefault(key, {}).update(type="date", range=[run.dates[0], end])


def pair_curves_figure(a: Run, b: Run, labels: tuple[str, str], claims: pd.DataFrame | None = None) -> go.Figure:
    """Held km² (top) and gained since the start (bottom) per faction by date for two runs, A solid and B dashed,
    with the reported claims (diamonds with their range) that A's scenario names."""
    spec = curves_spec(a, claims)
    data = []
    for run, label, dash in ((a, labels[0], "solid"), (b, labels[1], "dash")):
        for fid, df in run.curves.groupby("faction", sort=False):
            if float(df["area_km2"].abs().max()) == 0 and float(df["gained_km2"].abs().max()) == 0:
                continue
            for axis, col in (("", "area_km2"), ("2", "gained_km2")):
                data.append({"type": "scatter", "x": df["date"].tolist(), "y": df[col].tolist(), "mode": "lines",
                             "name": f"{run.names.get(fid, fid)} ({label})", "legendgroup": f"{fid}-{label}",
                             "showlegend": axis == "", "xaxis": f"x{axis}", "yaxis": f"y{axis}",
                             "line": {"color": run.colours.get(fid, "#888"), "dash": dash, "width": 2.5}})
    data += [t for t in spec["data"] if t.get("legendgroup") == "claims"]
    layout = spec["layout"]
    layout.update(height=CURVES_HEIGHT, legend=CURVES_LEGEND, margin=CURVES_MARGIN)
    _date_range(layout, a)
    return go.Figure({"data": data, "layout": layout})
def outcome_figure(outcomes: pd.DataFrame, params: list[str], colours: dict[str, str], names: dict[str, str],
                   measure: str) -> go.Figure:
    """Final-day `measure` per run against each swept parameter (one panel per parameter)."""
    fig = make_subplots(rows=1, cols=max(len(params), 1), subplot_titles=params or ["(no parameters)"],
                        shared_yaxes=True)
    for i, p in enumerate(params, start=1):
        for fid, df in outcomes.groupby("faction", sort=False):
            if float(df[measure].abs().max()) == 0:
                continue
            fig.add_trace(go.Scatter(x=df[p].tolist(), y=df[measure].tolist(), mode="markers",
                                     name=names.get(fid, fid), legendgroup=fid, showlegend=i == 1,
                                     customdata=df["run_id"].tolist(),
                                     marker={"color": colours.get(fid, "#888"), "size": 8, "opacity": 0.8},
                                     hovertemplate=f"run %{{customdata}}<br>{p} = %{{x}}<br>%{{y:,.0f}} km²"
                                                   "<extra></extra>"), row=1, col=i)
    fig.update_layout(height=360, paper_bgcolor="white", plot_bgcolor="white", margin={"t": 50, "l": 60, "r": 10},
                      title={"text": f"Outcome on the last day ({measure}) against each parameter",
                             "font": {"size": 14}})
    return fig
