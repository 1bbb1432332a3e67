"""Figures of the dashboard: the control map for one day, the difference map, curves of two runs, ensemble
bands and outcome-against-parameter plots.

The map figure carries one day only. Moving the day slider sends `day_patch` (the owner grid and owner names
of that day) and keeps the static parts (borders, roads, places, terrain and nearest-place hover text) that
the browser already has, so a run of thousands of days costs no more per move than a run of ten.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Patch
from plotly.subplots import make_subplots

from sim import measures
from sim.dashboard.rundata import RunData
from sim.viz.report import ROAD_STYLE, curves_figure, discrete_colourscale

NOBODY = "nobody"
OUTSIDE = "outside the region"  # hover text of cells that cannot be held
DIFF_SAME = "#e8e8e8"


def _axes(grid) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001 - GridGeometry
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * grid.cell_km
    ys = grid.y0 + (np.arange(grid.height) + 0.5) * grid.cell_km
    return xs, ys


def day_layers(data: RunData, day: int) -> tuple[list, list]:
    """(z, owner) of one day: z is the faction index or None, owner the faction id (short, since it is sent
    for every cell on every move of the slider), as nested lists for JSON."""
    grid = data.owner[day]
    labels = np.array([*data.faction_ids, NOBODY], dtype=object)
    owner = labels[np.where(grid >= 0, grid, len(data.faction_ids))]
    owner[~data.region] = ""
    z = np.where(grid >= 0, grid, -1).astype(object)
    z[grid < 0] = None
    return z.tolist(), owner.tolist()


def _overlay_traces(data: RunData) -> list[go.Scatter]:
    traces = []
    for name, (ox, oy) in data.outlines:
        traces.append(go.Scatter(x=ox, y=oy, mode="lines", line={"color": "#666", "width": 1}, name=name,
                                 hoverinfo="skip", showlegend=False))
    for cls, (rx, ry) in data.roads.items():
        colour, width = ROAD_STYLE[cls]
        traces.append(go.Scatter(x=rx, y=ry, mode="lines", line={"color": colour, "width": width}, name=cls,
                                 hoverinfo="skip"))
    if data.place_names:
        traces.append(go.Scatter(
            x=data.place_xy[:, 0], y=data.place_xy[:, 1], mode="markers+text", text=data.place_names,
            textposition="top center", textfont={"size": 10}, name="places",
            marker={"size": 7, "color": "black",
                    "symbol": ["diamond" if k in ("oil_field", "gas_field", "mine") else "circle"
                               for k in data.place_kinds]},
            customdata=data.place_kinds, hovertemplate="%{text} (%{customdata})<extra></extra>"))
    return traces


def static_hover(data: RunData) -> list:
    """Per-cell hover text that never changes: terrain and nearest place."""
    text = "terrain: " + data.terrain_names() + "<br>nearest place: " + data.nearest_place_grid()
    text[~data.region] = OUTSIDE
    return text.tolist()


def map_figure(data: RunData, day: int, height: int = 560, title: str | None = None) -> go.Figure:
    """The control map of one day over borders, roads and labelled places; hover: owner, terrain, place."""
    xs, ys = _axes(data.grid)
    n = len(data.faction_ids)
    z, owner = day_layers(data, day)
    heat = go.Heatmap(
        x=xs, y=ys, z=z, customdata=owner, text=static_hover(data), zmin=-0.5, zmax=n - 0.5,
        colorscale=discrete_colourscale([data.colours[f] for f in data.faction_ids]), opacity=0.6, hoverongaps=False,
        colorbar={"tickvals": list(range(n)), "ticktext": [data.names.get(f, f) for f in data.faction_ids],
                  "title": "held by"},
        hovertemplate="owner: %{customdata}<br>%{text}<br>x %{x:.0f} km, y %{y:.0f} km<extra></extra>",
        name="control")
    fx, fy = front_xy(data, day)
    front = go.Scatter(x=fx, y=fy, mode="markers", name="front line", hoverinfo="skip",
                       marker={"size": 3, "color": "#111", "symbol": "square"})
    fig = go.Figure([heat, front, *_overlay_traces(data)])
    _layout(fig, title or f"{data.title}: control on {data.dates[day]}", height)
    return fig


def front_xy(data: RunData, day: int) -> tuple[list[float], list[float]]:
    """Centres (km) of the cells on a front line that day."""
    xs, ys = _axes(data.grid)
    rows, cols = np.nonzero(data.front_cells(day))
    return np.asarray(xs)[cols].round(2).tolist(), np.asarray(ys)[rows].round(2).tolist()


def day_patch(data: RunData, day: int, title: str | None = None) -> Patch:
    """The part of `map_figure` that changes with the day (owner grid, owner names, title)."""
    z, owner = day_layers(data, day)
    patch = Patch()
    patch["data"][0]["z"] = z
    patch["data"][0]["customdata"] = owner
    patch["data"][1]["x"], patch["data"][1]["y"] = front_xy(data, day)
    patch["layout"]["title"]["text"] = title or f"{data.title}: control on {data.dates[day]}"
    return patch


def _layout(fig: go.Figure, title: str, height: int) -> None:
    fig.update_layout(
        height=height, paper_bgcolor="white", plot_bgcolor="white", title={"text": title, "font": {"size": 14}},
        margin={"t": 40, "l": 50, "r": 10, "b": 40}, legend={"orientation": "h", "y": -0.08},
        xaxis={"title": "km (equal-area projection)", "scaleanchor": "y", "showgrid": False},
        yaxis={"title": "km", "showgrid": False}, uirevision="map")


def same_grid(a: RunData, b: RunData) -> bool:
    return a.owner.shape[1:] == b.owner.shape[1:] and a.faction_ids == b.faction_ids


def diff_figure(a: RunData, b: RunData, day: int, labels: tuple[str, str] = ("A", "B"),
                height: int = 560) -> go.Figure:
    """Cells whose owner differs between two runs on the same day, coloured by B's owner (grey if same)."""
    xs, ys = _axes(a.grid)
    da, db = min(day, a.days), min(day, b.days)
    oa, ob = a.owner[da], b.owner[db]
    differ = (oa != ob) & a.region
    n = len(a.faction_ids)
    # values 0..n-1: B's owner where the two differ; n: same owner; n+1: B holds nothing where A did
    z = np.where(differ, np.where(ob >= 0, ob, n + 1), n).astype(float)
    z[~a.region] = np.nan
    names = np.array([a.names.get(f, f) for f in a.faction_ids] + [NOBODY], dtype=object)
    hover = (f"{labels[0]}: " + names[np.where(oa >= 0, oa, n)] + f"<br>{labels[1]}: "
             + names[np.where(ob >= 0, ob, n)])
    colours = [a.colours[f] for f in a.faction_ids] + [DIFF_SAME, "#ffffff"]
    heat = go.Heatmap(x=xs, y=ys, z=[[None if v != v else int(v) for v in r] for r in z.tolist()],
                      text=hover.tolist(), zmin=-0.5, zmax=n + 1.5, colorscale=discrete_colourscale(colours), showscale=False,
                      hovertemplate="%{text}<extra></extra>", hoverongaps=False, name="difference")
    fig = go.Figure([heat, *_overlay_traces(a)])
    km2 = float(differ.sum()) * a.grid.cell_area_km2
    _layout(fig, f"Difference on day {day}: {km2:,.0f} km² held differently "
                 f"(coloured by {labels[1]}'s owner)", height)
    fig.layout.meta = {"differ_km2": km2}
    return fig


def run_curves_figure(data: RunData) -> go.Figure:
    """Territory held and gained per faction, with the reported claims (the report's figure)."""
    fig = curves_figure(data.curves, data.colours, data.names, data.claims, data.region_km2)
    fig.update_layout(height=480, title={"text": "Territory by day", "font": {"size": 14}})
    return fig


def pair_curves_figure(a: RunData, b: RunData, labels: tuple[str, str]) -> go.Figure:
    """Held km² per faction for two runs: A solid, B dashed."""
    fig = go.Figure()
    for data, label, dash in ((a, labels[0], "solid"), (b, labels[1], "dash")):
        for fid, df in data.curves.groupby("faction", sort=False):
            if float(df["area_km2"].abs().max()) == 0:
                continue
            fig.add_trace(go.Scatter(x=df["day"].tolist(), y=df["area_km2"].tolist(), mode="lines",
                                     name=f"{data.names.get(fid, fid)} ({label})",
                                     line={"color": data.colours.get(fid, "#888"), "dash": dash, "width": 2.5}))
    fig.update_layout(height=380, paper_bgcolor="white", plot_bgcolor="white", title={"text": "Territory held (km²)", "font":
                      {"size": 14}}, xaxis={"title": "day"}, margin={"t": 40, "l": 60, "r": 10},
                      legend={"font": {"size": 10}})
    return fig


def ensemble_figure(curves: pd.DataFrame, colours: dict[str, str], names: dict[str, str], measure: str,
                    claims: pd.DataFrame | None = None, region_km2: float | None = None) -> go.Figure:
    """Median and 5-95 % band of `measure` per faction and date across a batch's runs, with claims."""
    fig = go.Figure()
    for fid, df in curves.groupby("faction", sort=False):
        q = df.groupby("date")[measure].quantile([0.05, 0.5, 0.95]).unstack().sort_index()
        if float(q.abs().to_numpy().max()) == 0:
            continue
        colour = colours.get(fid, "#888")
        name = names.get(fid, fid)
        fig.add_trace(go.Scatter(x=list(q.index) + list(q.index[::-1]),
                                 y=list(q[0.95]) + list(q[0.05][::-1]), fill="toself", fillcolor=colour,
                                 opacity=0.25, line={"width": 0}, name=f"{name} 5-95 %", hoverinfo="skip",
                                 legendgroup=fid))
        fig.add_trace(go.Scatter(x=list(q.index), y=list(q[0.5]), mode="lines", name=f"{name} median",
                                 line={"color": colour, "width": 2.5}, legendgroup=fid))
    if claims is not None and len(claims):
        for _, c in measures.claims_on(claims, measure).iterrows():
            fig.add_trace(go.Scatter(
                x=[c["date"]], y=[c["value"]], mode="markers", showlegend=False,
                marker={"symbol": "diamond", "size": 11, "color": colours.get(c["faction"], "#000"),
                        "line": {"color": "black", "width": 1}},
                error_y={"type": "data", "symmetric": False, "array": [c["high"] - c["value"]],
                         "arrayminus": [c["value"] - c["low"]]},
                hovertemplate=f"<b>{c['source']}</b><br>{c['value']:,.0f} ({c['low']:,.0f}–{c['high']:,.0f})"
                              "<extra></extra>", name=str(c["source"])))
    label = {"gained_km2": "Gained since start (km²)", "area_km2": "Territory held (km²)"}[measure]
    fig.update_layout(height=440, paper_bgcolor="white", plot_bgcolor="white", title={"text": f"{label}: median and 5-95 % of "
                      "runs", "font": {"size": 14}}, margin={"t": 40, "l": 60, "r": 10})
    return fig


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
