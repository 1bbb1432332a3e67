"""The self-contained run report: territory curves (with reported claims) and the control map by day."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.viz.geometry import outline_xy, places_xy, roads_xy, zones_xy

if TYPE_CHECKING:
    from sim.api import RunResult

ROAD_STYLE = {"highway": ("#222222", 2.5), "road": ("#555555", 1.6), "track": ("#8c7b62", 1.0)}
MAX_FRAMES = 120
# A light look set directly: naming a template ("plotly_white") deep-copies it, ~0.5 s per report.
LIGHT = {"paper_bgcolor": "white", "plot_bgcolor": "white"}


def curves_figure(curves: pd.DataFrame, colours: dict[str, str], names: dict[str, str],
                  claims: pd.DataFrame | None = None, region_km2: float | None = None) -> go.Figure:
    """Held and gained km² per faction by day, with claims as markers and ranges (source on hover)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Territory held (km²)", "Gained since start (km²)"))
    for fid, df in curves.groupby("faction", sort=False):
        colour = colours.get(fid, "#888")
        for row, col in ((1, "area_km2"), (2, "gained_km2")):
            fig.add_trace(go.Scatter(x=df["date"], y=df[col], mode="lines", name=names.get(fid, fid),
                                     legendgroup=fid, showlegend=row == 1, line={"color": colour, "width": 2.5}),
                          row=row, col=1)
    if claims is not None and len(claims):
        for _, c in claims.iterrows():
            row, scale = {"held_km2": (1, 1.0), "gained_km2": (2, 1.0)}.get(c["measure"], (1, None))
            if scale is None:  # held_pct: a share of the region
                if not region_km2:
                    continue
                scale = region_km2 / 100.0
            value, low, high = c["value"] * scale, c["low"] * scale, c["high"] * scale
            fig.add_trace(go.Scatter(
                x=[c["date"]], y=[value], mode="markers", showlegend=False,
                marker={"symbol": "diamond", "size": 11, "color": colours.get(c["faction"], "#000"),
                        "line": {"color": "black", "width": 1}},
                error_y={"type": "data", "symmetric": False, "array": [high - value], "arrayminus": [value - low]},
                hovertemplate=(f"<b>{c['source']}</b><br>{c['measure']}: {c['value']:,.0f} "
                               f"({c['low']:,.0f}–{c['high']:,.0f})<br>{str(c.get('quote', ''))[:160]}<extra></extra>"),
                name=str(c["source"])), row=row, col=1)
    fig.update_layout(height=620, hovermode="x unified", margin={"t": 60, "l": 60, "r": 20}, **LIGHT)
    fig.update_xaxes(gridcolor="#e8e8e8")
    fig.update_yaxes(gridcolor="#e8e8e8", zerolinecolor="#bbbbbb")
    return fig


def discrete_colourscale(colours: list[str]) -> list[list]:
    """A plotly colour scale giving each integer code (from zmin) its own flat colour."""
    k = len(colours)
    scale: list[list] = []
    for i, colour in enumerate(colours):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    return scale


def map_figure(result: RunResult) -> go.Figure:
    """The owner grid with a day slider, over outlines, roads and labelled places."""
    m, sc = result.model, result.scenario
    grid = m.world.grid
    ids = list(m.factions.ids)
    n = len(ids)
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * grid.cell_km
    ys = grid.y0 + (np.arange(grid.height) + 0.5) * grid.cell_km
    scale = discrete_colourscale(["rgba(0,0,0,0)"] + [m.factions.colours[f] for f in ids])
    snaps = m.snapshots
    days = list(range(len(snaps)))
    if len(days) > MAX_FRAMES:
        days = sorted(set(np.linspace(0, len(snaps) - 1, MAX_FRAMES).astype(int).tolist()))

    def z(i: int) -> np.ndarray:
        # Owner + 1 as uint8 (0 = nobody, drawn transparent): compact base64 typed arrays in the page.
        return (snaps[i] + 1).astype(np.uint8)

    heat = go.Heatmap(x=xs, y=ys, z=z(days[-1]), zmin=-0.5, zmax=n + 0.5, colorscale=scale, opacity=0.55,
                      colorbar={"tickvals": list(range(1, n + 1)), "ticktext": [m.factions.names[f] for f in ids],
                                "title": "held by"},
                      customdata=None, hoverinfo="skip")
    fig = go.Figure([heat])
    for name, geom in sc.map.context:
        ox, oy = outline_xy(grid, geom)
        fig.add_trace(go.Scatter(x=ox, y=oy, mode="lines", line={"color": "#999", "width": 1}, name=name,
                                 hoverinfo="skip", showlegend=False))
    if sc.map.region is not None:
        ox, oy = outline_xy(grid, sc.map.region)
        fig.add_trace(go.Scatter(x=ox, y=oy, mode="lines", line={"color": "#333", "width": 1.5},
                                 name=sc.map.region_name, hoverinfo="skip", showlegend=False))
    for cls, (rx, ry) in roads_xy(grid, sc).items():
        colour, width = ROAD_STYLE[cls]
        fig.add_trace(go.Scatter(x=rx, y=ry, mode="lines", line={"color": colour, "width": width}, name=cls,
                                 hoverinfo="skip"))
    for name, (zx, zy) in zones_xy(grid, sc).items():
        fig.add_trace(go.Scatter(x=zx, y=zy, mode="lines", line={"color": "#2471a3", "width": 1.5, "dash": "dash"},
                                 name=f"zone: {name}", hoverinfo="name"))
    if sc.places:
        px, py = places_xy(grid, sc)
        fig.add_trace(go.Scatter(
            x=px, y=py, mode="markers+text", text=[p.name for p in sc.places], textposition="top center",
            textfont={"size": 9}, marker={"size": 7, "color": "black", "symbol": [
                "diamond" if p.is_resource else "circle" for p in sc.places]},
            customdata=[[p.kind, "estimated" if p.estimated else "located"] for p in sc.places],
            hovertemplate="%{text}<br>%{customdata[0]} (%{customdata[1]})<extra></extra>", name="places"))
    labels = [m.snapshot_dates[i].date().isoformat() for i in days]
    fig.frames = [go.Frame(data=[go.Heatmap(z=z(i))], traces=[0], name=lab) for i, lab in zip(days, labels, strict=True)]
    fig.update_layout(
        height=720, title="Control by day", **LIGHT,
        xaxis={"title": "km (equal-area projection)", "scaleanchor": "y", "showgrid": False,
               "range": [grid.x0, grid.x0 + grid.width * grid.cell_km]},
        yaxis={"title": "km", "showgrid": False, "range": [grid.y0, grid.y0 + grid.height * grid.cell_km]},
        legend={"orientation": "h", "y": 1.02, "x": 0.0, "yanchor": "bottom"},
        sliders=[{"active": len(days) - 1, "currentvalue": {"prefix": "day: "},
                  "steps": [{"label": lab, "method": "animate",
                             "args": [[lab], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                              "transition": {"duration": 0}}]} for lab in labels]}],
        updatemenus=[{"type": "buttons", "x": 0.0, "y": -0.08, "xanchor": "left", "buttons": [
            {"label": "play", "method": "animate",
             "args": [None, {"frame": {"duration": 300, "redraw": True}, "fromcurrent": True}]},
            {"label": "pause", "method": "animate",
             "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]}]}],
    )
    return fig


def report_html(result: RunResult, claims: Any = None) -> str:
    """One self-contained HTML page (plotly.js inlined) with the curves and the map."""
    m, sc = result.model, result.scenario
    curves = curves_figure(result.curves, m.factions.colours, m.factions.names, claims, m.world.region_area_km2)
    parts = [curves.to_html(full_html=False, include_plotlyjs="inline"),
             map_figure(result).to_html(full_html=False, include_plotlyjs=False, auto_play=False)]
    title = f"{sc.meta.title} — seed {result.seed}, {result.days} days"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body style='font-family:sans-serif;max-width:1100px;margin:auto'><h2>{title}</h2>"
            f"<p>{sc.meta.description}</p>{''.join(parts)}</body></html>")
