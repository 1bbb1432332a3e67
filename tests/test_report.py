"""The run report (report.html): its figures, written as plain dicts, are the graph-object figures the report
used to build (frozen below as the reference), and writing it imports no plotly at all."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sim
from sim.io.claims import read_claims
from sim.viz import report

# --- the reference: report.py's curves_figure and map_figure as they were with graph objects (commit 67ae93a) ---


def reference_curves_figure(curves, colours, names, claims=None, region_km2=None):  # noqa: ANN001, ANN201
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

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
    fig.update_layout(height=620, hovermode="x unified", margin={"t": 60, "l": 60, "r": 20}, **report.LIGHT)
    fig.update_xaxes(gridcolor="#e8e8e8")
    fig.update_yaxes(gridcolor="#e8e8e8", zerolinecolor="#bbbbbb")
    return fig


def reference_map_figure(result):  # noqa: ANN001, ANN201
    import plotly.graph_objects as go

    from sim.viz.geometry import outline_xy, places_xy, roads_xy, zones_xy

    m, sc = result.model, result.scenario
    grid = m.world.grid
    ids = list(m.factions.ids)
    n = len(ids)
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * grid.cell_km
    ys = grid.y0 + (np.arange(grid.height) + 0.5) * grid.cell_km
    scale = report.discrete_colourscale(["rgba(0,0,0,0)"] + [m.factions.colours[f] for f in ids])
    snaps = m.snapshots
    days = list(range(len(snaps)))
    if len(days) > report.MAX_FRAMES:
        days = sorted(set(np.linspace(0, len(snaps) - 1, report.MAX_FRAMES).astype(int).tolist()))

    def z(i: int) -> np.ndarray:
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
        colour, width = report.ROAD_STYLE[cls]
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
        height=720, title="Control by day", **report.LIGHT,
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


# --- comparing figures up to representation -----------------------------------------------------------------


def plain(obj):  # noqa: ANN001, ANN201
    """`obj` with every representation difference removed: base64 typed arrays decoded, numpy arrays and
    scalars as Python lists and numbers, tuples as lists. Values are compared exactly."""
    if isinstance(obj, dict):
        if set(obj) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}):
            a = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                a = a.reshape([int(s) for s in obj["shape"].split(",")])
            return a.tolist()
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def page_figures(html: str) -> dict[str, dict]:
    """The figures drawn in a report page, by div id, as the JSON given to Plotly.newPlot and addFrames."""
    decoder = json.JSONDecoder()
    figs: dict[str, dict] = {}

    def args(at: int, count: int) -> list:
        out = []
        for _ in range(count):
            at = html.index(",", at) + 1
            value, at = decoder.raw_decode(html, at)
            out.append(value)
        return out

    for m in re.finditer(r'Plotly\.newPlot\(("[^"]+")', html):
        data, layout, config = args(m.end(), 3)
        figs[json.loads(m.group(1))] = {"data": data, "layout": layout, "config": config}
    for m in re.finditer(r'Plotly\.addFrames\(("[^"]+")', html):
        figs[json.loads(m.group(1))]["frames"] = args(m.end(), 1)[0]
    return figs


def assert_same(new: dict, old: dict) -> None:
    new, old = plain(new), plain(old)
    assert set(new) == set(old)
    for part in old:
        if part == "data":
            assert len(new["data"]) == len(old["data"])
            for i, (a, b) in enumerate(zip(new["data"], old["data"], strict=True)):
                assert a == b, f"trace {i} differs"
        else:
            assert new[part] == old[part], f"{part} differs"


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corridor() -> sim.RunResult:
    return sim.run(sim.load("corridor"), days=6)


@pytest.fixture(scope="module")
def badia() -> tuple[sim.RunResult, pd.DataFrame]:
    result = sim.run(sim.load("badia_2017"))
    return result, read_claims(result.scenario.meta.claims)


def corridor_claims() -> pd.DataFrame:
    """Claims of every measure, one with markup in its quote (it must not end the page's script)."""
    rows = [("2020-01-03", "west", "held_km2", 3000, 2500, 3500, "Radio West", "we hold the plain"),
            ("2020-01-05", "east", "gained_km2", -800, -1000, -500, "East Herald", "</script><b>lost</b> ground"),
            ("2020-01-06", "west", "held_pct", 40, 35, 45, "Monitor", "two fifths")]
    return pd.DataFrame(rows, columns=["date", "faction", "measure", "value", "low", "high", "source", "quote"])


# --- tests -----------------------------------------------------------------------------------------------


def check_report(result: sim.RunResult, claims: pd.DataFrame | None) -> None:
    m = result.model
    args = (result.curves, m.factions.colours, m.factions.names, claims, m.world.region_area_km2)
    old_curves = reference_curves_figure(*args).to_plotly_json()
    old_map = reference_map_figure(result).to_plotly_json()
    html = report.report_html(result, claims)
    figs = page_figures(html)
    assert set(figs) == {"report-curves", "report-map"}
    assert figs["report-curves"]["config"] == figs["report-map"]["config"] == {"responsive": True}
    for name, old in (("report-curves", old_curves), ("report-map", old_map)):
        new = {k: v for k, v in figs[name].items() if k != "config"}
        assert_same(new, old)
    assert len(figs["report-map"]["frames"]) == min(len(m.snapshots), report.MAX_FRAMES)
    # The go.Figure wrappers (the dashboard uses curves_figure) are the same figures.
    assert_same(report.curves_figure(*args).to_plotly_json(), old_curves)
    assert_same(report.map_figure(result).to_plotly_json(), old_map)
    # Self-contained: plotly.js inlined once, nothing loaded from elsewhere.
    assert html.count(report.plotly_js()) == 1 and "<script src=" not in html


def test_corridor_report_is_the_graph_object_report(corridor: sim.RunResult) -> None:
    check_report(corridor, None)


def test_corridor_report_with_every_kind_of_claim(corridor: sim.RunResult) -> None:
    claims = corridor_claims()
    check_report(corridor, claims)
    html = report.report_html(corridor, claims)
    assert "</script><b>lost" not in html  # the quote's markup is escaped inside the script
    traces = page_figures(html)["report-curves"]["data"]
    assert [t["name"] for t in traces[-3:]] == ["Radio West", "East Herald", "Monitor"]
    assert traces[-1]["y"] == [40 * corridor.model.world.region_area_km2 / 100.0]  # held_pct as km²
    # Without a region area a held_pct claim cannot be drawn: skipped, as before.
    m = corridor.model
    no_area = (corridor.curves, m.factions.colours, m.factions.names, claims, None)
    assert_same(report.curves_figure(*no_area).to_plotly_json(), reference_curves_figure(*no_area).to_plotly_json())


def test_badia_report_with_claims_is_the_graph_object_report(badia: tuple[sim.RunResult, pd.DataFrame]) -> None:
    result, claims = badia
    assert len(claims)
    check_report(result, claims)


def test_typed_arrays_as_plotly_encodes_them() -> None:
    from _plotly_utils.utils import to_typed_array_spec

    for a in (np.arange(5, dtype=np.int64) * 100, np.arange(6, dtype=np.int64).reshape(2, 3) - 3,
              np.array([70000, -1], dtype=np.int64), np.array([1.5, -2.25]), np.zeros((3, 4), dtype=np.uint8),
              np.array([3, 300], dtype=np.uint64), np.array([True, False]), np.array([], dtype=float)):
        expected = to_typed_array_spec(a)
        assert report.typed_array(a) == (expected.tolist() if isinstance(expected, np.ndarray) else expected)


def test_writing_a_report_imports_no_plotly() -> None:
    code = ("import sys, sim\nfrom sim.viz.report import report_html\n"
            "html = report_html(sim.run(sim.load('corridor'), days=2))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', '_plotly_utils')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_figure_div_adds_the_default_template_only_when_missing() -> None:
    import plotly.graph_objects as go

    default = plain(go.Figure().to_plotly_json()["layout"]["template"])
    bare = page_figures(report.figure_div({"data": []}, "a"))["a"]
    assert bare["data"] == [] and bare["layout"] == {"template": default} and "frames" not in bare
    own = page_figures(report.figure_div({"data": [], "layout": {"template": {"layout": {"font": {"size": 20}}}}},
                                         "b"))["b"]
    assert own["layout"] == {"template": {"layout": {"font": {"size": 20}}}}
