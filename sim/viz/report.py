"""The self-contained run report: territory curves (with reported claims), the claims and captures against the
run, and the control map by day (sim.viz.mapfig, animated).

The figures are built as plain plotly figure dicts (`curves_spec`, `sim.viz.mapfig.map_spec`) and written into
the page as JSON next to the inlined plotly.js, without plotly's graph objects: their validation,
`make_subplots` and `to_html` made up most of the ~0.75 s a report used to take. Numeric numpy arrays go into
the page as base64 typed arrays, as plotly.py writes them. `curves_figure` wraps the dict in a `go.Figure` for
the dashboard and other callers that want one.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.util
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import measures
from sim.compare import compare_run
from sim.io.claims import area_claims
from sim.viz import story
from sim.viz.labels import LABEL_SCRIPT
from sim.viz.mapfig import LIGHT, map_spec

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from sim.rundata import Run

# The light look is set directly (LIGHT): naming a template ("plotly_white") deep-copies it, ~0.5 s a report.
# The template go.Figure puts in every layout (plotly.io.templates.default, left unchanged here), read from
# plotly's package data.
TEMPLATE = "plotly"
GRID = {"gridcolor": "#e8e8e8"}


def _two_rows(titles: tuple[str, str]) -> dict[str, Any]:
    """The layout `make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=...)`
    makes: two stacked rows of height 0.46, the top one's x axis following the bottom one's."""
    def title(text: str, y: float) -> dict[str, Any]:
        return {"font": {"size": 16}, "showarrow": False, "text": text, "x": 0.5, "xanchor": "center", "xref": "paper",
                "y": y, "yanchor": "bottom", "yref": "paper"}

    return {
        "annotations": [title(titles[0], 1.0), title(titles[1], 0.46)],
        "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "matches": "x2", "showticklabels": False},
        "xaxis2": {"anchor": "y2", "domain": [0.0, 1.0]},
        "yaxis": {"anchor": "x", "domain": [0.54, 1.0]},
        "yaxis2": {"anchor": "x2", "domain": [0.0, 0.46]},
    }


def curves_spec(run: Run, claims: pd.DataFrame | None = None) -> dict[str, Any]:
    """`curves_figure` as a plain figure dict (data and layout; plotly's default template not included).

    Solid lines count held ground (`area_km2`, `gained_km2`); dashed lines count by localities, shown for the
    factions a locality-based claim is about and one click away in the legend for the others.
    """
    curves, colours, names, region_km2 = run.curves, run.colours, run.names, run.region_km2
    axes = {1: ("x", "y"), 2: ("x2", "y2")}
    claims = area_claims(claims) if claims is not None else None
    by_locality = set() if claims is None or not len(claims) else set(
        claims.loc[[measures.column(m).startswith("locality") for m in claims["measure"]], "faction"])
    data: list[dict[str, Any]] = []
    for fid, df in curves.groupby("faction", sort=False):
        colour = colours.get(fid, "#888")
        x = df["date"].to_numpy()
        for row, col in ((1, "area_km2"), (2, "gained_km2")):
            data.append({"type": "scatter", "x": x, "y": df[col].to_numpy(), "mode": "lines", "name": names.get(fid, fid),
                         "legendgroup": fid, "showlegend": row == 1, "line": {"color": colour, "width": 2.5},
                         "xaxis": axes[row][0], "yaxis": axes[row][1]})
        if "locality_km2" in df:
            for row, col in ((1, "locality_km2"), (2, "locality_gained_km2")):
                data.append({"type": "scatter", "x": x, "y": df[col].to_numpy(), "mode": "lines",
                             "name": f"{names.get(fid, fid)}, by localities", "legendgroup": f"{fid}-localities",
                             "showlegend": row == 1, "visible": True if fid in by_locality else "legendonly",
                             "line": {"color": colour, "width": 1.5, "dash": "dash"},
                             "xaxis": axes[row][0], "yaxis": axes[row][1]})
    turns = label_turns(claims, region_km2) if claims is not None else {}
    last_date = str(curves["date"].max())  # claims after it are drawn open: the run has no value for them
    for k, (_, c) in enumerate(claims.iterrows() if claims is not None else (), start=1):
        col_scale = measures.to_curve_units(c["measure"], region_km2)
        if col_scale is None:
            continue
        col, scale = col_scale
        row = 2 if "gained" in col else 1
        value, low, high = c["value"] * scale, c["low"] * scale, c["high"] * scale
        data.append({
            "type": "scatter", "x": [c["date"]], "y": [value], "mode": "markers+text", "showlegend": True,
            "legendgroup": "claims", "legendgrouptitle": {"text": "reported claims (range as error bar)"},
            "name": f"{claim_label(k)}: {claim_amount(c['measure'], c['value'])}, {short_source(c['source'])}"
                    + (" (after the run)" if str(c["date"]) > last_date else ""),
            "text": [claim_label(k)], "textposition": turns.get(k, "middle right"),
            "textfont": {"size": 11, "color": "#333"},
            "marker": {"symbol": "diamond" if str(c["date"]) <= last_date else "diamond-open", "size": 11,
                       "color": colours.get(c["faction"], "#000"), "line": {"color": "black", "width": 1}},
            "error_y": {"type": "data", "symmetric": False, "array": [high - value], "arrayminus": [value - low]},
            "hovertemplate": (f"<b>{claim_label(k)}: {html.escape(str(c['source']))}</b><br>{c['measure']} "
                              f"({measures.COUNTING[c['measure']]}): {c['value']:,.0f} "
                              f"({c['low']:,.0f}–{c['high']:,.0f})<br>{html.escape(str(c.get('quote', ''))[:160])}"
                              "<extra></extra>"),
            "xaxis": axes[row][0], "yaxis": axes[row][1]})
    layout = _two_rows(("Territory held (km²)", "Gained since start (km²)"))
    for key in ("xaxis", "xaxis2"):
        layout[key].update(GRID)
    for key in ("yaxis", "yaxis2"):
        layout[key].update(GRID, zerolinecolor="#bbbbbb")
    layout.update(height=660, hovermode="x unified", margin={"t": 60, "l": 60, "r": 20},
                  legend={"tracegroupgap": 3, "font": {"size": 11}}, **LIGHT)
    for trace in data:  # long names in lines, so that the legend leaves the plots their width
        if trace.get("showlegend") and len(trace["name"]) > LEGEND_WIDTH:
            trace["name"] = wrap(trace["name"], LEGEND_WIDTH)
    return {"data": data, "layout": layout}


def label_turns(claims: pd.DataFrame, region_km2: float) -> dict[int, str]:
    """Where each claim's label sits by its marker (k: textposition) so that claims on the same date and panel
    do not overprint: one alone to the right; of several, the highest above, the lowest below, the others
    right and left in turn."""
    spots: dict[tuple[str, bool], list[tuple[float, int]]] = {}
    for k, (_, c) in enumerate(claims.iterrows(), start=1):
        col_scale = measures.to_curve_units(c["measure"], region_km2)
        if col_scale is not None:
            spots.setdefault((str(c["date"]), "gained" in col_scale[0]), []).append((c["value"] * col_scale[1], k))
    out: dict[int, str] = {}
    for group in spots.values():
        group.sort()
        if len(group) == 1:
            out[group[0][1]] = "middle right"
            continue
        out[group[0][1]], out[group[-1][1]] = "bottom center", "top center"
        for i, (_, k) in enumerate(group[1:-1]):
            out[k] = ("middle right", "middle left")[i % 2]
    return out


def claim_label(k: int) -> str:
    """The label of the k-th claim (1-based, in the claims file's order of its area claims): on its marker on
    the curves, in the legend and in the report's claims table."""
    return f"C{k}"


def claim_amount(measure: str, value: float) -> str:
    """A claimed amount in words: '5,000 km² gained', '40% held', '20,000 km² gained (by localities)'."""
    unit = "%" if measures.is_share(measure) else " km²"
    verb = "gained" if "gained" in measure else "held"
    by = " (by localities)" if measures.column(measure).startswith("locality") else ""
    return f"{value:,.0f}{unit} {verb}{by}"


def short_source(source: Any, most: int = 40) -> str:
    """A source's name for a legend: up to its first parenthesis, comma or semicolon, at most `most` characters
    (cut at a word)."""
    text = re.split(r"[(;,]", str(source), maxsplit=1)[0].strip() or str(source)
    if len(text) > most:
        text = text[:most].rsplit(" ", 1)[0] + "…"
    return text


def curves_figure(run: Run, claims: pd.DataFrame | None = None) -> go.Figure:
    """Held and gained km² per faction by day, with claims as markers and ranges (source on hover)."""
    import plotly.graph_objects as go

    return go.Figure(curves_spec(run, claims))


# --- the page, without plotly's graph objects -------------------------------------------------------------

# plotly.js typed-array codes (plotly.py's _plotly_utils.utils.plotlyjsShortTypes).
TYPED = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4", "float32": "f4",
         "float64": "f8"}
# Inside <script>: no "</script>" or "<!--" from the data ("<" and ">" escaped, as plotly.py does), and the
# two line separators old JavaScript does not accept in string literals.
UNSAFE = (("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def typed_array(a: np.ndarray) -> dict[str, str] | list:
    """A numeric array as plotly.js's base64 typed array ({dtype, bdata[, shape]}), as plotly.py encodes it:
    64-bit integers narrowed to the smallest type holding them; other dtypes as a plain list."""
    if a.dtype.kind in "iu" and a.dtype.itemsize == 8 and a.size:
        lo, hi = int(a.min()), int(a.max())
        for t in (np.int8, np.int16, np.int32) if a.dtype.kind == "i" else (np.uint8, np.uint16, np.uint32):
            if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max:
                a = a.astype(t)
                break
    code = TYPED.get(str(a.dtype))
    if code is None or not a.size:
        return a.tolist()
    out = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(a)).decode("ascii")}
    if a.ndim > 1:
        out["shape"] = ", ".join(map(str, a.shape))
    return out


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        if o.dtype.kind == "M":
            return np.datetime_as_string(o).tolist()
        return typed_array(o) if o.dtype.kind in "iuf" else o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    if hasattr(o, "isoformat"):  # dates and timestamps
        return o.isoformat()
    raise TypeError(f"not JSON serialisable in a figure: {type(o).__name__}")


def to_js(obj: Any) -> str:
    """`obj` as JSON safe to put inside a <script> element (numeric numpy arrays as typed arrays)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_jsonable)
    for unsafe, safe in UNSAFE:
        if unsafe in text:
            text = text.replace(unsafe, safe)
    return text


def _package_data(name: str) -> Path | None:
    """A file of plotly's package data, found without importing plotly (`import plotly` alone is ~20 ms)."""
    spec = importlib.util.find_spec("plotly")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "package_data" / name
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundled with plotly.py (what `plotly.offline.get_plotlyjs()` returns)."""
    path = _package_data("plotly.min.js")
    if path is None:
        from plotly.offline import get_plotlyjs

        return get_plotlyjs()
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _template_js() -> str:
    path = _package_data(f"templates/{TEMPLATE}.json")
    if path is None:
        import plotly.io as pio

        return to_js(pio.templates[TEMPLATE].to_plotly_json())
    return to_js(json.loads(path.read_text(encoding="utf-8")))


def figure_div(fig: dict[str, Any], div_id: str, after: str = "") -> str:
    """A div drawing `fig` (a figure dict) with Plotly.newPlot, as plotly.io.to_html(full_html=False) writes it,
    with plotly's default template added to a layout without one (as go.Figure adds it); plotly.js must be
    loaded before it. `after` names a page function to call with the div id once it is drawn."""
    layout = fig.get("layout", {})
    layout_js = to_js(layout)
    if "template" not in layout:  # spliced in as text: the same for every figure, serialised once
        layout_js = ("{" if layout_js == "{}" else layout_js[:-1] + ",") + f'"template":{_template_js()}}}'
    height = layout.get("height")
    then = ""
    if fig.get("frames"):
        then = f".then(function(){{Plotly.addFrames({json.dumps(div_id)},{to_js(fig['frames'])});}})"
    if after:
        then += f".then(function(){{{after}({json.dumps(div_id)});}})"
    return (f'<div style="height:{f"{height}px" if height else "100%"}; width:100%;">'
            f'<div id="{div_id}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
            f"<script>window.PLOTLYENV=window.PLOTLYENV || {{}};"
            f"if (document.getElementById({json.dumps(div_id)})) {{Plotly.newPlot({json.dumps(div_id)},"
            f'{to_js(fig.get("data", []))},{layout_js},{{"responsive":true}}){then}}};</script></div>')


MAP_HEIGHT = 820
MAP_DOMAIN = 0.7  # of the page's width: the map; the legend is on its right
MAP_PLOT_PX = (714, 650)  # the map's plot area in the page (1100 px wide, slider below)


LEGEND_WIDTH = 42  # characters a line of a curves legend entry


def wrap(text: str, width: int = 34) -> str:
    """A legend entry broken into lines of about `width` characters (plotly's legend does not wrap)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def report_map_spec(run: Run, claims: pd.DataFrame | None = None) -> dict[str, Any]:
    """The report's map: every day under the slider, the units and the places taken by day, opening on the
    area of operations, factions in the legend (on the right), place labels by importance and zoom (claimed
    places first)."""
    story_places = [] if claims is None or "place" not in claims else [
        str(p) for p in claims["place"] if p == p and p]
    fig = map_spec(run, animate=True, units=True, view="operations", faction_legend=True, declutter=True,
                   story_places=story_places, height=MAP_HEIGHT, plot_px=MAP_PLOT_PX)
    layout = fig["layout"]
    layout["title"] = {"text": ""}  # the page's heading says it
    layout["margin"].update(t=30, b=130, r=10)
    layout["xaxis"].update(domain=[0, MAP_DOMAIN], constrain="domain", constraintoward="left")
    layout["yaxis"].update(constrain="domain")
    layout["legend"] = {"orientation": "v", "x": MAP_DOMAIN + 0.02, "xanchor": "left", "y": 1, "yanchor": "top",
                        "font": {"size": 11}, "tracegroupgap": 4}
    for trace in fig["data"]:
        if trace.get("showlegend", True) and len(str(trace.get("name", ""))) > 34:
            trace["name"] = wrap(str(trace["name"]))
    return fig


def report_html(run: Run, claims: pd.DataFrame | None = None) -> str:
    """One self-contained HTML page (plotly.js inlined): what happened, the map by day, the curves with the
    claims, the claims and captures against the run, and the air strikes and dated events."""
    meta = run.meta
    title = html.escape(f"{meta.title or meta.scenario} — seed {run.seed}, {run.days} days")
    cmp = compare_run(run, claims) if claims is not None and len(claims) else None
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
            f"<script>{plotly_js()}</script>{story.CSS}<script>{LABEL_SCRIPT}</script></head>"
            f"<body style='font-family:sans-serif;max-width:1100px;margin:auto'><h2>{title}</h2>"
            f"<p>{html.escape(meta.description)}</p>{story.summary_html(run, claims, cmp)}"
            "<h3>Control, front line and units by day</h3><p style='font-size:13px;color:#555'>Drag the slider "
            "or press play; zoom in (drag a box) for more place names; hover for names.</p>"
            f"{figure_div(report_map_spec(run, claims), 'report-map', after='badiaLabels')}"
            "<p style='font-size:13px;color:#555'>Pale cells: who holds the ground (the legend's squares). Black "
            "squares: the front line, cells held by a faction next to ground held by a faction hostile to it. "
            "Circles: the units that day, in their faction's colour and sized by strength (names on hover); "
            "dotted lines: their paths over the whole run. Stars: places taken by that day, in the taker's "
            "colour. Dashed outlines: zones (an air-denial zone in its enforcer's colour). The map opens on "
            "the area of operations; double-click it to see the whole map.</p>"
            f"<h3>Territory by day, against the claims</h3>{figure_div(curves_spec(run, claims), 'report-curves')}"
            "<p style='font-size:13px;color:#555'>Territory counts every cell a faction holds, including desert "
            "it has enclosed or swept past (the enclosure rule); dashed curves count by localities instead. "
            "Diamonds are the reported claims (C1, C2 … in the table below), their error bars the range the "
            "wording allows.</p>"
            f"{story.claims_html(run, claims, cmp)}{story.captures_html(run, claims, cmp)}{story.events_html(run)}"
            "</body></html>")
