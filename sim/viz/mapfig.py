"""The one control-map figure of a Run: owner grid, front line, outlines, roads, zones and places.

`map_spec` builds it as a plain plotly figure dict (no plotly import needed). The report asks for every day as
an animation (`animate=True`: frames, a day slider and play/pause); the dashboard asks for one day with hover
text (owner, terrain, nearest place) and moves the day with `day_update`, which gives only what changes.

Owner grids go in as `owner + 1` in uint8 (0: nobody, drawn transparent), which plotly.js receives as compact
base64 typed arrays.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.viz.geometry import outline_xy, roads_xy, zones_xy

if TYPE_CHECKING:
    from sim.rundata import Run

ROAD_STYLE = {"highway": ("#222222", 2.5), "road": ("#555555", 1.6), "track": ("#8c7b62", 1.0)}
MAX_FRAMES = 120  # an animation shows at most this many days, evenly spread
LIGHT = {"paper_bgcolor": "white", "plot_bgcolor": "white"}
NOBODY = "nobody"
OUTSIDE = "outside the region"  # hover text of cells that cannot be held
OPACITY = 0.55


def discrete_colourscale(colours: list[str]) -> list[list]:
    """A plotly colour scale giving each integer code (from zmin) its own flat colour."""
    k = len(colours)
    scale: list[list] = []
    for i, colour in enumerate(colours):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    return scale


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


def overlay_traces(run: Run) -> list[dict[str, Any]]:
    """Outlines (neighbours grey, the region dark), roads by class, zones and the labelled places.

    Outlines, roads and zones are drawn from the run's scenario; a run read without it shows its places only.
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
        for name, (zx, zy) in zones_xy(grid, sc).items():
            traces.append(_lines(zx, zy, f"zone: {name}", {"color": "#2471a3", "width": 1.5, "dash": "dash"},
                                 hoverinfo="name"))
    p = run.places
    if len(p):
        traces.append({
            "type": "scatter", "x": p["x"].to_numpy(), "y": p["y"].to_numpy(), "mode": "markers+text",
            "text": p["name"].tolist(), "textposition": "top center", "textfont": {"size": 9},
            "marker": {"size": 7, "color": "black", "symbol": ["diamond" if r else "circle" for r in p["resource"]]},
            "customdata": [[k, "estimated" if e else "located"] for k, e in zip(p["kind"], p["estimated"], strict=True)],
            "hovertemplate": "%{text}<br>%{customdata[0]} (%{customdata[1]})<extra></extra>", "name": "places"})
    return traces


def _heatmap(run: Run, day: int, hover: bool) -> dict[str, Any]:
    xs, ys = axes(run)
    n = len(run.factions)
    heat = {"type": "heatmap", "x": xs, "y": ys, "z": owner_z(run, day), "zmin": -0.5, "zmax": n + 0.5,
            "colorscale": discrete_colourscale(["rgba(0,0,0,0)"] + [run.colours[f] for f in run.factions]),
            "opacity": OPACITY, "name": "control",
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


def day_update(run: Run, day: int, hover: bool = False) -> dict[str, Any]:
    """What changes in the map from one day to another: the heatmap's z (and owner hover), the front line."""
    fx, fy = front_xy(run, day)
    heat: dict[str, Any] = {"z": owner_z(run, day)}
    if hover:
        heat["customdata"] = owner_names(run, day)
    return {"heatmap": heat, "front": {"x": fx, "y": fy}}


def map_spec(run: Run, day: int | None = None, *, animate: bool = False, hover: bool = False,
             title: str | None = None, height: int = 720) -> dict[str, Any]:
    """The control map as a plotly figure dict: one day (default the last), or with `animate` every day
    (at most MAX_FRAMES) under a day slider with play and pause. `hover` adds each cell's owner, terrain and
    nearest place (for the dashboard: the report leaves it out, it would weigh megabytes)."""
    last = run.days
    day = last if day is None else max(0, min(int(day), last))
    data = [_heatmap(run, day, hover), _front(run, day), *overlay_traces(run)]
    layout = map_layout(run, title or "Control by day", height)
    fig: dict[str, Any] = {"data": data, "layout": layout}
    if animate:
        _animate(run, fig, hover)
    return fig


def map_layout(run: Run, title: str, height: int) -> dict[str, Any]:
    """The layout of a map of the run's grid: equal axes over the whole grid, legend above, light look."""
    g = run.grid
    return {
        "height": height, "title": {"text": title, "font": {"size": 15}}, **LIGHT,
        "margin": {"t": 90, "l": 60, "r": 20, "b": 50},
        "xaxis": {"title": {"text": "km (equal-area projection)"}, "scaleanchor": "y", "showgrid": False,
                  "range": [g.x0, g.x0 + g.width * g.cell_km]},
        "yaxis": {"title": {"text": "km"}, "showgrid": False, "range": [g.y0, g.y0 + g.height * g.cell_km]},
        "legend": {"orientation": "h", "y": 1.02, "x": 0.0, "yanchor": "bottom"},
        "uirevision": "map",
    }


def _animate(run: Run, fig: dict[str, Any], hover: bool) -> None:
    """Frames of the shown days, a day slider and play/pause buttons beside it."""
    days = list(range(run.days + 1))
    if len(days) > MAX_FRAMES:
        days = sorted(set(np.linspace(0, run.days, MAX_FRAMES).astype(int).tolist()))
    labels = [run.dates[i] for i in days]
    frames = []
    for i, lab in zip(days, labels, strict=True):
        change = day_update(run, i, hover)
        frames.append({"data": [{"type": "heatmap", **change["heatmap"]}, {"type": "scatter", **change["front"]}],
                       "traces": [0, 1], "name": lab})
    fig["frames"] = frames
    fig["layout"]["sliders"] = [{
        "active": len(days) - 1, "currentvalue": {"prefix": "day: "}, "x": 0.12, "len": 0.88, "y": 0,
        "yanchor": "top", "pad": {"t": 50, "b": 10},
        "steps": [{"label": lab, "method": "animate",
                   "args": [[lab], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                    "transition": {"duration": 0}}]} for lab in labels]}]
    fig["layout"]["updatemenus"] = [{
        "type": "buttons", "direction": "left", "x": 0.12, "y": 0, "xanchor": "right", "yanchor": "top",
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
