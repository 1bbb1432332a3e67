"""Figures of the dashboard: the control map for one day, the difference map, curves of two runs, ensemble
bands and outcome-against-parameter plots. Each run's figure takes the Run (sim.rundata).

The map is the report's (sim.viz.mapfig), for one day with hover text. Moving the day slider sends `day_patch`
(the owner grid and owner names of that day, and its front line) and keeps the static parts (borders, roads,
places, terrain and nearest-place hover text) that the browser already has, so a run of thousands of days
costs no more per move than a run of ten.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Patch
from plotly.subplots import make_subplots

from sim.rundata import Run
from sim.viz import mapfig
from sim.viz.report import curves_figure

DIFF_SAME = "#e8e8e8"


def map_title(title: str, run: Run, day: int) -> str:
    return f"{title}: control on {run.dates[day]}"


def map_figure(run: Run, day: int, title: str, height: int = 560) -> go.Figure:
    """The control map of one day over borders, roads, zones and labelled places; hover: owner, terrain, place."""
    return mapfig.map_figure(run, day, hover=True, title=map_title(title, run, day), height=height)


def day_patch(run: Run, day: int, title: str) -> Patch:
    """The part of `map_figure` that changes with the day (owner grid, owner names, front line, title)."""
    change = mapfig.day_update(run, day, hover=True)
    patch = Patch()
    patch["data"][0]["z"] = change["heatmap"]["z"]
    patch["data"][0]["customdata"] = change["heatmap"]["customdata"]
    patch["data"][1]["x"], patch["data"][1]["y"] = change["front"]["x"], change["front"]["y"]
    patch["layout"]["title"]["text"] = map_title(title, run, day)
    return patch


def same_grid(a: Run, b: Run) -> bool:
    return a.owner.shape[1:] == b.owner.shape[1:] and a.factions == b.factions


def diff_figure(a: Run, b: Run, day: int, labels: tuple[str, str] = ("A", "B"), height: int = 560) -> go.Figure:
    """Cells whose owner differs between two runs on the same day, coloured by B's owner (grey if same)."""
    xs, ys = mapfig.axes(a)
    da, db = min(day, a.days), min(day, b.days)
    oa, ob = a.owner[da], b.owner[db]
    differ = (oa != ob) & a.region
    n = len(a.factions)
    # values 0..n-1: B's owner where the two differ; n: same owner; n+1: B holds nothing where A did
    z = np.where(differ, np.where(ob >= 0, ob, n + 1), n).astype(float)
    z[~a.region] = np.nan
    names = np.array([a.names.get(f, f) for f in a.factions] + [mapfig.NOBODY], dtype=object)
    hover = (f"{labels[0]}: " + names[np.where(oa >= 0, oa, n)] + f"<br>{labels[1]}: "
             + names[np.where(ob >= 0, ob, n)])
    colours = [a.colours[f] for f in a.factions] + [DIFF_SAME, "#ffffff"]
    heat = {"type": "heatmap", "x": xs, "y": ys, "z": [[None if v != v else int(v) for v in r] for r in z.tolist()],
            "text": hover.tolist(), "zmin": -0.5, "zmax": n + 1.5, "colorscale": mapfig.discrete_colourscale(colours),
            "showscale": False, "hovertemplate": "%{text}<extra></extra>", "hoverongaps": False, "name": "difference"}
    km2 = float(differ.sum()) * a.grid.cell_area_km2
    layout = mapfig.map_layout(a, f"Difference on day {day}: {km2:,.0f} km² held differently "
                                  f"(coloured by {labels[1]}'s owner)", height)
    layout["meta"] = {"differ_km2": km2}
    return go.Figure({"data": [heat, *mapfig.overlay_traces(a)], "layout": layout})


def run_curves_figure(run: Run, claims: pd.DataFrame | None = None) -> go.Figure:
    """Territory held and gained per faction, with the reported claims (the report's figure)."""
    fig = curves_figure(run, claims)
    fig.update_layout(height=480, title={"text": "Territory by day", "font": {"size": 14}})
    return fig


def pair_curves_figure(a: Run, b: Run, labels: tuple[str, str]) -> go.Figure:
    """Held km² per faction for two runs: A solid, B dashed."""
    fig = go.Figure()
    for run, label, dash in ((a, labels[0], "solid"), (b, labels[1], "dash")):
        for fid, df in run.curves.groupby("faction", sort=False):
            if float(df["area_km2"].abs().max()) == 0:
                continue
            fig.add_trace(go.Scatter(x=df["day"].tolist(), y=df["area_km2"].tolist(), mode="lines",
                                     name=f"{run.names.get(fid, fid)} ({label})",
                                     line={"color": run.colours.get(fid, "#888"), "dash": dash, "width": 2.5}))
    fig.update_layout(height=380, paper_bgcolor="white", plot_bgcolor="white", title={"text": "Territory held (km²)", "font":
                      {"size": 14}}, xaxis={"title": "day"}, margin={"t": 40, "l": 60, "r": 10},
                      legend={"font": {"size": 10}})
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
