"""The one control-map figure of a Run: owner grid, front line, outlines, roads, zones and places.

`map_spec` builds it as a plain plotly figure dict (no plotly import needed). The report asks for every day as
an animation (`animate=True`: frames, a day slider and play/pause); the dashboard asks for one day with hover
text (owner, terrain, nearest place) and moves the day with `day_update`, which gives only what changes.

Owner grids go in as `owner + 1` in uint8 (0: nobody, drawn transparent), which plotly.js receives as compact
base64 typed arrays. Cells are drawn in each faction's colour paled towards white (`pale`), opaque, so that a
colour bar or legend showing the same colours matches them.

Options the report turns on (all off by default, so a figure's traces stay [heatmap, front line, overlays...]):
`units` (traces 2 and 3: the units of the day, sized by strength, and the places taken so far; moved by the
frames or `day_update(..., units=True)`), `view="operations"` (open on the area of operations:
`operations_range`), `faction_legend` (factions as legend entries instead of a colour bar) and `declutter`
(place labels by importance and zoom level: sim.viz.labels).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.rundata import UNIT_COLUMNS
from sim.viz.geometry import outline_xy, roads_xy, zones_xy
from sim.viz.labels import LEVELS, label_levels

if TYPE_CHECKING:
    from sim.rundata import Run

ROAD_STYLE = {"highway": ("#222222", 2.5), "road": ("#555555", 1.6), "track": ("#8c7b62", 1.0)}
MAX_FRAMES = 120  # an animation shows at most this many days, evenly spread
LIGHT = {"paper_bgcolor": "white", "plot_bgcolor": "white"}
NOBODY = "nobody"
OUTSIDE = "outside the region"  # hover text of cells that cannot be held
OPACITY = 0.55  # how much of a faction's colour a held cell shows (the rest is white)
PLOT_PX = (1000, 560)  # the plot area a map is laid out for (width, height in px): declutter and view use it


def discrete_colourscale(colours: list[str]) -> list[list]:
    """A plotly colour scale giving each integer code (from zmin) its own flat colour."""
    k = len(colours)
    scale: list[list] = []
    for i, colour in enumerate(colours):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    return scale


def pale(colour: str, alpha: float = OPACITY) -> str:
    """A hex colour blended with white (`alpha` of the colour), as 'rgb(r,g,b)': the held cells' colour."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    try:
        rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return colour
    r, g, b = (round(alpha * c + (1 - alpha) * 255) for c in rgb)
    return f"rgb({r},{g},{b})"


def axes(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """Projected km of the cell centres: x of each column, y of each row."""
    g = run.grid
    return g.x0 + (np.arange(g.width) + 0.5) * g.cell_km, g.y0 + (np.arange(g.height) + 0.5) * g.cell_km


def owner_z(run: Run, day: int) -> np.ndarray:
    """The owner grid of one day as drawn: faction index + 1 in uint8, 0 for nobody."""
    return (run.owner[day] + 1).astype(np.uint8)


def front_xy(run: Run, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Centres (km) of the cells on a front line on a recorded day."""
    xs, ys = axes(run)
    rows, cols = np.nonzero(run.front_cells(day))
    return xs[cols].astype(np.float32), ys[rows].astype(np.float32)


def owner_names(run: Run, day: int) -> list:
    """Who holds each cell that day, by faction id ('nobody'; '' outside the region), as nested lists."""
    labels = np.array([*run.factions, NOBODY], dtype=object)
    grid = run.owner[day]
    names = labels[np.where(grid >= 0, grid, len(run.factions))]
    names[~run.region] = ""
    return names.tolist()


_STATIC_HOVER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def static_hover(run: Run) -> list:
    """Per-cell hover text that never changes (terrain and nearest place), computed once per run."""
    if run not in _STATIC_HOVER:
        from sim.scenario.schema import TERRAIN_CLASSES

        text = "terrain: " + np.array(TERRAIN_CLASSES, dtype=object)[run.terrain] + "<br>nearest place: " \
            + nearest_place(run)
        text[~run.region] = OUTSIDE
        _STATIC_HOVER[run] = text.tolist()
    return _STATIC_HOVER[run]


def nearest_place(run: Run) -> np.ndarray:
    """(H, W) names of the place nearest to each cell ('' without places)."""
    h, w = run.owner.shape[1:]
    if not len(run.places):
        return np.full((h, w), "", dtype=object)
    xs, ys = run.grid.centres()
    best = np.full((h, w), np.inf)
    idx = np.zeros((h, w), dtype=int)
    for i, (px, py) in enumerate(run.places[["x", "y"]].to_numpy(float)):
        d = np.hypot(xs - px, ys - py)
        closer = d < best
        best[closer] = d[closer]
        idx[closer] = i
    return np.array(run.places["name"].tolist(), dtype=object)[idx]


def _lines(x: list, y: list, name: str, line: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "line": line, "name": name, **extra}


ZONE_COLOUR = "#2471a3"
HALO = "1px 1px 1px #fff, -1px -1px 1px #fff, 1px -1px 1px #fff, -1px 1px 1px #fff"  # labels readable on anything


def darker(colour: str, factor: float = 0.5) -> str:
    """A hex colour darkened towards black (a label in a zone's colour, readable on pale cells)."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    try:
        r, g, b = (round(int(h[i:i + 2], 16) * factor) for i in (0, 2, 4))
    except ValueError:
        return colour
    return f"rgb({r},{g},{b})"


def zone_texts(run: Run) -> dict[str, tuple[str, str, str]]:
    """Each zone's (label, hover text, outline colour): what it is for, from the air-power rules that use it
    (an air-denial zone is drawn in its enforcer's colour)."""
    sc = run.scenario
    out: dict[str, tuple[str, str, str]] = {}
    if sc is None:
        return out
    for z in sc.zones:
        label = z.name.replace("_", " ")
        hover, colour = label, ZONE_COLOUR
        rules = [r for r in sc.air_power if r.rule == "zone_denial" and r.zone == z.name]
        if rules:
            r = rules[0]
            actor = run.names.get(r.actor, r.actor)
            targets = ", ".join(run.names.get(t, t) for t in r.targets) or "hostile units"
            label += f" (air denial: {actor})"
            hover = (f"{label}<br>{actor} strikes {targets} inside it "
                     f"({r.sorties_per_day:g} sorties a day)")
            colour = run.colours.get(r.actor, ZONE_COLOUR)
        if not z.active:
            label += ", declared later"
            hover += "<br>not active at the start: declared by a dated event"
        out[z.name] = (label, hover, colour)
    return out


def overlay_traces(run: Run, *, declutter: bool = False, km_per_px: float | None = None,
                   story_places: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Outlines (neighbours grey, the region dark), roads by class, zones (outline and label) and the places.

    Outlines, roads and zones are drawn from the run's scenario; a run read without it shows its places only.
    By default every place is labelled. With `declutter` the places are dots named on hover, and their labels
    are text traces by zoom level (sim.viz.labels, for a map opening at `km_per_px`; level 1 visible, the others
    hidden until a page script shows them: trace meta `label_level`); `story_places` rank first.
    """
    traces: list[dict[str, Any]] = []
    grid, sc = run.grid, run.scenario
    if sc is not None:
        for name, geom in sc.map.context:
            ox, oy = outline_xy(grid, geom)
            traces.append(_lines(ox, oy, name, {"color": "#999", "width": 1}, hoverinfo="skip", showlegend=False))
        if sc.map.region is not None:
            ox, oy = outline_xy(grid, sc.map.region)
            traces.append(_lines(ox, oy, sc.map.region_name, {"color": "#333", "width": 1.5}, hoverinfo="skip",
                                 showlegend=False))
        for cls, (rx, ry) in roads_xy(grid, sc).items():
            colour, width = ROAD_STYLE[cls]
            traces.append(_lines(rx, ry, cls, {"color": colour, "width": width}, hoverinfo="skip"))
        texts = zone_texts(run)
        for name, (zx, zy) in zones_xy(grid, sc).items():
            label, hover, colour = texts[name]
            traces.append(_lines(zx, zy, f"zone: {label}", {"color": colour, "width": 1.5, "dash": "dash"},
                                 hoverinfo="name"))
            top = int(np.argmax([v if v is not None else -np.inf for v in zy]))
            traces.append({"type": "scatter", "x": [zx[top]], "y": [zy[top]], "mode": "text", "text": [label],
                           "textposition": "top center", "textfont": {"size": 11, "color": darker(colour), "shadow": HALO},
                           "hovertext": [hover], "hoverinfo": "text", "showlegend": False,
                           "name": f"zone label: {name}"})
    p = run.places
    if len(p):
        custom = [[k, "estimated" if e else "located"] for k, e in zip(p["kind"], p["estimated"], strict=True)]
        marker = {"size": 7, "color": "black", "symbol": ["diamond" if r else "circle" for r in p["resource"]]}
        if not declutter:
            traces.append({
                "type": "scatter", "x": p["x"].to_numpy(), "y": p["y"].to_numpy(), "mode": "markers+text",
                "text": p["name"].tolist(), "textposition": "top center", "textfont": {"size": 9},
                "marker": marker, "customdata": custom,
                "hovertemplate": "%{text}<br>%{customdata[0]} (%{customdata[1]})<extra></extra>", "name": "places"})
        else:
            marker["size"] = 6
            traces.append({
                "type": "scatter", "x": p["x"].to_numpy(), "y": p["y"].to_numpy(), "mode": "markers",
                "text": p["name"].tolist(), "marker": marker, "customdata": custom,
                "hovertemplate": "<b>%{text}</b><br>%{customdata[0]} (%{customdata[1]})<extra></extra>",
                "name": "places (name on hover)"})
            traces += label_traces(run, km_per_px or extent_km_per_px(run), story_places)
    return traces


def label_traces(run: Run, km_per_px: float, story_places: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One text trace of place labels per zoom level (sim.viz.labels), level 1 visible."""
    p = run.places
    story = set(story_places) | set(run.events.loc[run.events["kind"] == "captured", "place"])
    level = label_levels(p, km_per_px, story)
    bold = np.array([n in story for n in p["name"]])
    out = []
    for lv in LEVELS:
        at = level == lv
        if not at.any():
            continue
        names = [f"<b>{n}</b>" if b else n for n, b in zip(p["name"][at], bold[at], strict=True)]
        out.append({"type": "scatter", "x": p["x"].to_numpy()[at], "y": p["y"].to_numpy()[at], "mode": "text",
                    "text": names, "textposition": "top center",
                    "textfont": {"size": 10 if lv == 1 else 9, "shadow": HALO},
                    "hoverinfo": "skip", "showlegend": False, "visible": lv == 1, "meta": {"label_level": lv},
                    "name": f"place labels (zoom x{lv})"})
    return out


def extent_km(run: Run) -> tuple[list[float], list[float]]:
    """The grid's x and y ranges (km)."""
    g = run.grid
    return [g.x0, g.x0 + g.width * g.cell_km], [g.y0, g.y0 + g.height * g.cell_km]


def extent_km_per_px(run: Run, plot_px: tuple[int, int] = PLOT_PX) -> float:
    """km per pixel of the whole grid in a plot area of `plot_px`."""
    xr, yr = extent_km(run)
    return max((xr[1] - xr[0]) / plot_px[0], (yr[1] - yr[0]) / plot_px[1])


def operations_range(run: Run, margin: float = 0.08, plot_px: tuple[int, int] = PLOT_PX
                     ) -> tuple[list[float], list[float]]:
    """The area of operations: the box around every cell that changed hands and every position of the units
    that moved, widened by `margin` of its size (at least 15 km) and to the plot's shape, kept within the grid.
    The whole grid if nothing moved or changed."""
    full_x, full_y = extent_km(run)
    xs, ys = axes(run)
    rows, cols = np.nonzero((run.owner != run.owner[0]).any(axis=0))
    px, py = [xs[cols]], [ys[rows]]
    a = _unit_arrays(run)
    if len(a["name"]):
        _, unit, = np.unique(a["name"].astype(str), return_inverse=True)
        moved = np.zeros(unit.max() + 1, dtype=bool)
        for v in (a["x"], a["y"]):
            low, high = np.full(len(moved), np.inf), np.full(len(moved), -np.inf)
            np.minimum.at(low, unit, v)
            np.maximum.at(high, unit, v)
            moved |= high > low
        px.append(a["x"][moved[unit]].astype(float))
        py.append(a["y"][moved[unit]].astype(float))
    px, py = np.concatenate(px), np.concatenate(py)
    if not len(px):
        return full_x, full_y
    half = run.grid.cell_km / 2
    x0, x1, y0, y1 = px.min() - half, px.max() + half, py.min() - half, py.max() + half
    pad = max(15.0, margin * max(x1 - x0, y1 - y0))
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    aspect = plot_px[0] / plot_px[1]
    if (x1 - x0) / (y1 - y0) < aspect:
        x0, x1 = _widen(x0, x1, (y1 - y0) * aspect)
    else:
        y0, y1 = _widen(y0, y1, (x1 - x0) / aspect)
    return _within(x0, x1, *full_x), _within(y0, y1, *full_y)


def _widen(a: float, b: float, span: float) -> tuple[float, float]:
    mid = (a + b) / 2
    return mid - span / 2, mid + span / 2


def _within(a: float, b: float, lo: float, hi: float) -> list[float]:
    """[a, b] moved (then cut) to lie within [lo, hi]."""
    if b - a >= hi - lo:
        return [lo, hi]
    shift = max(lo - a, 0.0) - max(b - hi, 0.0)
    return [a + shift, b + shift]


def _heatmap(run: Run, day: int, hover: bool, colourbar: bool = True) -> dict[str, Any]:
    xs, ys = axes(run)
    n = len(run.factions)
    heat = {"type": "heatmap", "x": xs, "y": ys, "z": owner_z(run, day), "zmin": -0.5, "zmax": n + 0.5,
            "colorscale": discrete_colourscale(["rgba(0,0,0,0)"] + [pale(run.colours[f]) for f in run.factions]),
            "name": "control", "showscale": colourbar,
            "colorbar": {"tickvals": list(range(1, n + 1)), "ticktext": [run.names.get(f, f) for f in run.factions],
                         "title": {"text": "held by"}}}
    if hover:
        heat.update(customdata=owner_names(run, day), text=static_hover(run),
                    hovertemplate="owner: %{customdata}<br>%{text}<br>x %{x:.0f} km, y %{y:.0f} km<extra></extra>")
    else:
        heat["hoverinfo"] = "skip"
    return heat


def _front(run: Run, day: int) -> dict[str, Any]:
    fx, fy = front_xy(run, day)
    return {"type": "scatter", "x": fx, "y": fy, "mode": "markers", "name": "front line",
            "marker": {"size": 3, "color": "#111", "symbol": "square"}, "hoverinfo": "skip"}


def unit_sizes(run: Run, strength: np.ndarray) -> np.ndarray:
    """Marker diameters (px) of units: 7 px at nothing to 26 px at the run's strongest, by area."""
    every = _unit_arrays(run)["strength"]
    top = float(every.max()) if len(every) else 1.0
    return (7 + 19 * np.sqrt(np.clip(strength, 0, None) / max(top, 1e-9))).astype(np.float32)


_UNIT_DAYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _unit_arrays(run: Run) -> dict[str, Any]:
    """The run's units as arrays (computed once per run), with where each day's rows start (rows are by day)."""
    if run not in _UNIT_DAYS:
        u = pd.DataFrame(columns=UNIT_COLUMNS) if run.units is None else run.units.sort_values("day", kind="stable")
        day = u["day"].to_numpy(int)
        _UNIT_DAYS[run] = {
            "start": np.searchsorted(day, np.arange(run.days + 2)), "x": u["x"].to_numpy(np.float32),
            "y": u["y"].to_numpy(np.float32), "name": np.array(u["name"].tolist(), dtype=object),
            "faction": np.array(u["faction"].tolist(), dtype=object), "strength": u["strength"].to_numpy(float)}
    return _UNIT_DAYS[run]


def units_update(run: Run, day: int) -> dict[str, Any]:
    """The units trace's data of one day: positions, names, faction names and strengths, sizes and colours."""
    a = _unit_arrays(run)
    at = slice(a["start"][day], a["start"][day + 1])
    strength, factions = a["strength"][at], a["faction"][at].tolist()
    return {"x": a["x"][at], "y": a["y"][at], "text": a["name"][at].tolist(),
            "customdata": [[run.names.get(f, f), round(s)] for f, s in zip(factions, strength, strict=True)],
            "marker": {"size": unit_sizes(run, strength), "color": [run.colours.get(f, "#888") for f in factions]}}


def _units(run: Run, day: int) -> dict[str, Any]:
    trace = {"type": "scatter", "mode": "markers", "name": "units (size: strength)",
             "hovertemplate": "<b>%{text}</b><br>%{customdata[0]}<br>strength %{customdata[1]:,}<extra></extra>",
             **units_update(run, day)}
    trace["marker"].update(opacity=0.9, line={"color": "white", "width": 1.2})
    return trace


_CAPTURES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def captures(run: Run) -> list[tuple[str, str, str, str]]:
    """The captures of a run in order: (ISO date, place, taken by, taken from: faction ids, '' if unknown)."""
    if run not in _CAPTURES:
        where = {n: (x, y) for n, x, y in zip(run.places["name"].tolist(), run.places["x"].tolist(),
                                             run.places["y"].tolist(), strict=True)}
        _CAPTURES[run] = (_captures_of(run), where)
    return list(_CAPTURES[run][0])


def _captures_of(run: Run) -> list[tuple[str, str, str, str]]:
    ev = run.events[run.events["kind"] == "captured"]
    return [(str(t)[:10], str(p), str(f), str(d)[5:] if str(d).startswith("from ") else "")
            for t, p, f, d in zip(ev["time"].tolist(), ev["place"].tolist(), ev["faction"].tolist(),
                                  ev["detail"].tolist(), strict=True)]


def captures_update(run: Run, day: int) -> dict[str, Any]:
    """The captures trace's data of one day: each place taken by then, at its latest taker's colour."""
    latest: dict[str, tuple[str, str, str]] = {}
    caps = captures(run)
    where = _CAPTURES[run][1]
    for date, place, by, frm in caps:
        if date <= run.dates[day] and place in where:
            latest[place] = (date, by, frm)
    names = list(latest)
    return {"x": np.array([where[n][0] for n in names], dtype=np.float32),
            "y": np.array([where[n][1] for n in names], dtype=np.float32), "text": names,
            "customdata": [[latest[n][0], run.names.get(latest[n][1], latest[n][1]),
                            run.names.get(latest[n][2], latest[n][2] or "?")] for n in names],
            "marker": {"color": [run.colours.get(latest[n][1], "#888") for n in names]}}


def _captures(run: Run, day: int) -> dict[str, Any]:
    trace = {"type": "scatter", "mode": "markers", "name": "places taken (by the taker's colour)",
             "hovertemplate": "<b>%{text}</b><br>taken by %{customdata[1]}<br>from %{customdata[2]}"
                              "<br>on %{customdata[0]}<extra></extra>", **captures_update(run, day)}
    trace["marker"].update(symbol="star", size=15, line={"color": "black", "width": 1})
    return trace


def unit_tracks(run: Run) -> list[dict[str, Any]]:
    """Each faction's units' paths over the run (the units that moved), thin lines in the faction's colour."""
    a = _unit_arrays(run)
    paths: dict[str, dict[str, list[tuple[float, float]]]] = {}  # faction -> unit -> positions by day
    for name, fid, x, y in zip(a["name"].tolist(), a["faction"].tolist(), a["x"].tolist(), a["y"].tolist(),
                               strict=True):
        path = paths.setdefault(fid, {}).setdefault(name, [])
        if not path or path[-1] != (x, y):
            path.append((x, y))
    out = []
    for fid, units in paths.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for path in units.values():
            if len(path) > 1:
                xs += [round(p[0], 2) for p in path] + [None]
                ys += [round(p[1], 2) for p in path] + [None]
        if xs:
            out.append(_lines(xs, ys, "units' tracks (whole run)",
                              {"color": run.colours.get(fid, "#888"), "width": 2, "dash": "dot"},
                              hoverinfo="skip", legendgroup="tracks", showlegend=not out, opacity=0.8))
    return out


def faction_legend_traces(run: Run) -> list[dict[str, Any]]:
    """Legend entries for the held cells: one square per faction in exactly the cells' colour."""
    return [{"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": run.names.get(f, f),
             "legendrank": 1 + i,
             "hoverinfo": "skip", "marker": {"symbol": "square", "size": 14, "color": pale(run.colours[f]),
                                             "line": {"color": "#777", "width": 0.5}}}
            for i, f in enumerate(run.factions)]


def day_update(run: Run, day: int, hover: bool = False, units: bool = False) -> dict[str, Any]:
    """What changes in the map from one day to another: the heatmap's z (and owner hover), the front line, and
    with `units` the units trace and the places-taken trace (traces 2 and 3 of a `map_spec(units=True)`)."""
    fx, fy = front_xy(run, day)
    heat: dict[str, Any] = {"z": owner_z(run, day)}
    if hover:
        heat["customdata"] = owner_names(run, day)
    out: dict[str, Any] = {"heatmap": heat, "front": {"x": fx, "y": fy}}
    if units:
        out.update(units=units_update(run, day), captures=captures_update(run, day))
    return out


def map_spec(run: Run, day: int | None = None, *, animate: bool = False, hover: bool = False,
             title: str | None = None, height: int = 720, units: bool = False, view: str = "full",
             faction_legend: bool = False, declutter: bool = False, story_places: Iterable[str] = (),
             plot_px: tuple[int, int] = PLOT_PX) -> dict[str, Any]:
    """The control map as a plotly figure dict: one day (default the last), or with `animate` every day
    (at most MAX_FRAMES) under a day slider with play and pause. `hover` adds each cell's owner, terrain and
    nearest place (for the dashboard: the report leaves it out, it would weigh megabytes).

    Traces: 0 the held cells, 1 the front line; with `units` 2 the units of the day and 3 the places taken so
    far (each moved by the frames), then the units' tracks; then the overlays (`overlay_traces`), and with
    `faction_legend` a legend entry per faction (and no colour bar). `view="operations"` opens on
    `operations_range` rather than the whole grid; `declutter` labels places by importance and zoom level
    (`story_places` first), for a plot area of about `plot_px`.
    """
    if view not in ("full", "operations"):
        raise ValueError(f"view must be 'full' or 'operations', not {view!r}")
    last = run.days
    day = last if day is None else max(0, min(int(day), last))
    data = [_heatmap(run, day, hover, colourbar=not faction_legend), _front(run, day)]
    if units:
        data += [_units(run, day), _captures(run, day), *unit_tracks(run)]
    xr, yr = operations_range(run, plot_px=plot_px) if view == "operations" else extent_km(run)
    km_per_px = max((xr[1] - xr[0]) / plot_px[0], (yr[1] - yr[0]) / plot_px[1])
    data += overlay_traces(run, declutter=declutter, km_per_px=km_per_px, story_places=story_places)
    if faction_legend:
        data += faction_legend_traces(run)
    layout = map_layout(run, title or "Control by day", height)
    layout["xaxis"]["range"], layout["yaxis"]["range"] = xr, yr
    fig: dict[str, Any] = {"data": data, "layout": layout}
    if animate:
        _animate(run, fig, hover, units)
    return fig


def map_layout(run: Run, title: str, height: int) -> dict[str, Any]:
    """The layout of a map of the run's grid: equal axes over the whole grid, legend above, light look."""
    xr, yr = extent_km(run)
    return {
        "height": height, "title": {"text": title, "font": {"size": 15}}, **LIGHT,
        "margin": {"t": 90, "l": 60, "r": 20, "b": 50},
        "xaxis": {"title": {"text": "km (equal-area projection)"}, "scaleanchor": "y", "showgrid": False,
                  "range": xr},
        "yaxis": {"title": {"text": "km"}, "showgrid": False, "range": yr},
        "legend": {"orientation": "h", "y": 1.02, "x": 0.0, "yanchor": "bottom"},
        "uirevision": "map",
    }


BUTTONS_PX = 150  # the slider's rail starts this far right of the play and pause buttons' left edge


def _animate(run: Run, fig: dict[str, Any], hover: bool, units: bool = False) -> None:
    """Frames of the shown days, a day slider and, left of it and clear of its first date, play/pause."""
    days = list(range(run.days + 1))
    if len(days) > MAX_FRAMES:
        days = sorted(set(np.linspace(0, run.days, MAX_FRAMES).astype(int).tolist()))
    labels = [run.dates[i] for i in days]
    frames = []
    for i, lab in zip(days, labels, strict=True):
        change = day_update(run, i, hover, units)
        data = [{"type": "heatmap", **change["heatmap"]}, {"type": "scatter", **change["front"]}]
        if units:
            data += [{"type": "scatter", **change["units"]}, {"type": "scatter", **change["captures"]}]
        frames.append({"data": data, "traces": list(range(len(data))), "name": lab})
    fig["frames"] = frames
    fig["layout"]["sliders"] = [{
        "active": len(days) - 1, "currentvalue": {"prefix": "day: "}, "x": 0.0, "len": 1.0, "y": 0,
        "yanchor": "top", "pad": {"t": 50, "b": 10, "l": BUTTONS_PX + 40, "r": 20},
        "steps": [{"label": lab, "method": "animate",
                   "args": [[lab], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                    "transition": {"duration": 0}}]} for lab in labels]}]
    fig["layout"]["updatemenus"] = [{
        "type": "buttons", "direction": "left", "x": 0.0, "y": 0, "xanchor": "left", "yanchor": "top",
        "pad": {"t": 60, "r": 10}, "showactive": False, "buttons": [
            {"label": "play", "method": "animate",
             "args": [None, {"frame": {"duration": 300, "redraw": True}, "fromcurrent": True}]},
            {"label": "pause", "method": "animate",
             "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]}]}]
    fig["layout"]["margin"]["b"] = 120


def map_figure(run: Run, day: int | None = None, **kwargs: Any) -> Any:
    """`map_spec` as a plotly `go.Figure` (for the dashboard, PNG export and other callers that want one)."""
    import plotly.graph_objects as go

    return go.Figure(map_spec(run, day, **kwargs))
