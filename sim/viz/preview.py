"""The starting situation of a scenario as a map and a page: what `badia map` draws.

The map is the project's one control map (sim.viz.mapfig.map_spec) on day 0 of the scenario's model, not run,
with three layers added: each faction's supply reach (an outline in its colour: the ground its supply network
reaches at the start, sim.checks.supply_reach), its supply sources (stars) and its units (dots sized by
strength; a red ring marks a unit out of supply). `start_table` gives each faction's starting ground, the
numbers `badia map` prints.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.checks import in_supply
from sim.viz.mapfig import axes, map_spec

if TYPE_CHECKING:
    from sim.checks import ScenarioWarning
    from sim.model import ConflictModel
    from sim.rundata import Run

UNIT_SIZE = (7.0, 24.0)  # marker size of the weakest and the strongest unit on the map
OUT_OF_SUPPLY = "#d4111e"


def darker(colour: str, factor: float = 0.6) -> str:
    """A hex colour ('#rgb' or '#rrggbb') darkened towards black (the outline of an area drawn in that colour)."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    try:
        r, g, b = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#000000"
    return "#{:02x}{:02x}{:02x}".format(*(round(v * factor) for v in (r, g, b)))


def reach_traces(run: Run, reach: np.ndarray) -> list[dict[str, Any]]:
    """Each faction's supply reach: its outline (a contour of the mask at 0.5, in a darker shade of the faction's
    colour), and the ground the faction holds beyond it washed out in white."""
    xs, ys = axes(run)
    start = run.owner[0]
    beyond = np.zeros(start.shape, dtype=bool)
    traces = []
    for fi, fid in enumerate(run.factions):
        if not reach[fi].any():
            continue  # a faction without sources (or none held) has no network: its ground is never cut off
        beyond |= (start == fi) & ~reach[fi]
        traces.append({
            "type": "contour", "x": xs, "y": ys, "z": reach[fi].astype(np.uint8), "showscale": False,
            "contours": {"start": 0.5, "end": 0.5, "size": 1, "coloring": "none"},
            "line": {"color": darker(run.colours[fid]), "width": 2, "dash": "dot", "smoothing": 0},
            "name": f"supply reach: {fid}", "showlegend": True, "hoverinfo": "skip"})
    if beyond.any():
        traces.insert(0, {
            "type": "heatmap", "x": xs, "y": ys, "z": np.where(beyond, 1.0, np.nan), "zmin": 0, "zmax": 1,
            "colorscale": [[0, "white"], [1, "white"]], "opacity": 0.6, "showscale": False, "hoverinfo": "skip",
            "name": "held beyond supply reach", "showlegend": False})
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "hoverinfo": "skip",
                       "name": "held beyond its supply reach (paler)",
                       "marker": {"symbol": "square", "size": 13, "color": "#f4f4f4", "line": {"color": "#999",
                                                                                                "width": 1}}})
    return traces


def unit_traces(run: Run, model: ConflictModel, reach: np.ndarray) -> list[dict[str, Any]]:
    """The units at the start (one trace, coloured by faction, sized by strength), then the supply sources (drawn
    over them: a source is often a unit's town)."""
    xs, ys = axes(run)
    units = model.unit_list()
    traces: list[dict[str, Any]] = []
    if units:
        width = model.world.grid.width
        r, c = np.divmod(np.array([u.cell for u in units]), width)
        strength = np.array([u.strength for u in units])
        size = UNIT_SIZE[0] + (UNIT_SIZE[1] - UNIT_SIZE[0]) * np.sqrt(strength / max(float(strength.max()), 1e-9))
        supplied = in_supply(model, reach)
        traces.append({
            "type": "scatter", "x": xs[c], "y": ys[r], "mode": "markers", "name": "units (size: strength)",
            "marker": {"size": size, "color": [run.colours[run.factions[u.faction]] for u in units],
                       "line": {"color": np.where(supplied, "black", OUT_OF_SUPPLY).tolist(),
                                "width": np.where(supplied, 1.0, 3.0)}},
            "text": [f"{u.name}<br>{run.names.get(run.factions[u.faction])}, strength {u.strength:,.0f}, "
                     f"{u.mobility}, {u.posture}" + ("" if ok else "<br><b>out of supply</b>")
                     for u, ok in zip(units, supplied, strict=True)],
            "hovertemplate": "%{text}<extra></extra>"})
    sources = [(fi, name) for fi, f in enumerate(model.spec.factions) for name in f.supply_sources]
    if sources:
        index = {p.name: i for i, p in enumerate(model.spec.places)}
        p = run.places
        rows = [index[name] for _, name in sources]
        traces.append({
            "type": "scatter", "x": p["x"].to_numpy()[rows], "y": p["y"].to_numpy()[rows], "mode": "markers",
            "name": "supply sources", "marker": {
                "symbol": "star", "size": 15, "line": {"color": "black", "width": 1},
                "color": [run.colours[run.factions[fi]] for fi, _ in sources]},
            "text": [f"{name}: supply source of {run.names.get(run.factions[fi], run.factions[fi])}"
                     for fi, name in sources],
            "hovertemplate": "%{text}<extra></extra>"})
    return traces


def preview_spec(run: Run, model: ConflictModel, reach: np.ndarray, height: int = 960) -> dict[str, Any]:
    """The starting situation as a plotly figure dict: control on day 0, the front, outlines, roads, zones and
    places (sim.viz.mapfig), each faction's supply reach, its supply sources and its units.

    Who holds what is told by legend entries (a square of each faction's colour) instead of the map's colour
    bar, and the legend sits below the map: with the added layers it is too long to sit above it.
    """
    title = f"{run.meta.title or run.meta.scenario}: the situation at the start, {run.dates[0]}"
    fig = map_spec(run, 0, title=title, height=height)
    fig["data"][0]["showscale"] = False  # the control heatmap: its factions are in the legend instead
    held = [{"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": f"{fid}: {run.names.get(fid, fid)}",
             "marker": {"symbol": "square", "size": 13, "color": run.colours[fid], "opacity": 0.7},
             "hoverinfo": "skip"} for fid in run.factions]
    fig["data"] += reach_traces(run, reach) + unit_traces(run, model, reach) + held
    layout = fig["layout"]
    layout["legend"] = {"orientation": "h", "x": 0.0, "y": -0.1, "yanchor": "top", "font": {"size": 11}}
    layout["margin"] = {"t": 50, "l": 60, "r": 20, "b": 40}
    return fig


def start_table(model: ConflictModel, reach: np.ndarray) -> tuple[list[str], list[list[Any]]]:
    """Each faction's starting ground (km² and share of the region), forces, and the ground its supply reaches;
    then the ground nobody holds, if any. (headers, rows), as `badia map` prints them."""
    w = model.world
    cell = w.grid.cell_area_km2
    area = model.area_km2()
    region = w.region_area_km2
    units = model.unit_list()
    rows: list[list[Any]] = []
    for fi, fid in enumerate(model.factions.ids):
        mine = [u for u in units if u.faction == fi]
        rows.append([fid, float(area[fi]), f"{100 * area[fi] / region:.1f}%", len(mine),
                     float(sum(u.strength for u in mine)), float((reach[fi] & w.region).sum() * cell)])
    nobody = region - float(area.sum())
    if nobody > 0:
        rows.append(["(nobody)", nobody, f"{100 * nobody / region:.1f}%", "", "", ""])
    return ["faction", "km²", "of region", "units", "strength", "supply reach km²"], rows


def preview_html(fig: dict[str, Any], headers: list[str], rows: list[list[Any]],
                 warnings: list[ScenarioWarning], title: str) -> str:
    """One self-contained page (plotly.js inlined, as the run report): the map, the table and the warnings."""
    from sim.viz.report import figure_div, plotly_js
    from sim.viz.story import CSS as TABLE_CSS

    def cell(v: Any) -> str:
        return f"{v:,.0f}" if isinstance(v, float) else html.escape(str(v))

    table = ("<table class='claims'><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"
             + "".join("<tr>" + "".join(f"<td class='num'>{cell(v)}</td>" if i else f"<td>{cell(v)}</td>"
                                        for i, v in enumerate(r)) + "</tr>" for r in rows) + "</table>")
    notes = ("<h3>Warnings</h3><ul>" + "".join(f"<li>{html.escape(str(w))}</li>" for w in warnings) + "</ul>"
             if warnings else "<p>No warnings.</p>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
            f"<script>{plotly_js()}</script>{TABLE_CSS}</head>"
            f"<body style='font-family:sans-serif;max-width:1100px;margin:auto'>{figure_div(fig, 'start-map')}"
            "<p style='font-size:13px;color:#555'>Colours: who holds each cell at the start. Black squares: the "
            "front line. Dotted outlines: the ground each faction's supply network reaches (its held sources, the "
            "stars, through ground it or its allies hold). Dots: units, sized by strength; a red ring marks a "
            f"unit out of supply.</p><h3>At the start</h3>{table}{notes}</body></html>")
