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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import measures
from sim.compare import compare_run, reported_dates, verdict
from sim.io.claims import area_claims
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
    first = True
    for _, c in (claims.iterrows() if claims is not None else ()):
        col_scale = measures.to_curve_units(c["measure"], region_km2)
        if col_scale is None:
            continue
        col, scale = col_scale
        row = 2 if "gained" in col else 1
        value, low, high = c["value"] * scale, c["low"] * scale, c["high"] * scale
        data.append({
            "type": "scatter", "x": [c["date"]], "y": [value], "mode": "markers", "showlegend": first,
            "legendgroup": "claims", "name": "reported claims (range as error bar)",
            "marker": {"symbol": "diamond", "size": 11, "color": colours.get(c["faction"], "#000"),
                       "line": {"color": "black", "width": 1}},
            "error_y": {"type": "data", "symmetric": False, "array": [high - value], "arrayminus": [value - low]},
            "hovertemplate": (f"<b>{html.escape(str(c['source']))}</b><br>{c['measure']} "
                              f"({measures.COUNTING[c['measure']]}): {c['value']:,.0f} "
                              f"({c['low']:,.0f}–{c['high']:,.0f})<br>{html.escape(str(c.get('quote', ''))[:160])}"
                              "<extra></extra>"),
            "xaxis": axes[row][0], "yaxis": axes[row][1]})
        first = False
    layout = _two_rows(("Territory held (km²)", "Gained since start (km²)"))
    for key in ("xaxis", "xaxis2"):
        layout[key].update(GRID)
    for key in ("yaxis", "yaxis2"):
        layout[key].update(GRID, zerolinecolor="#bbbbbb")
    layout.update(height=620, hovermode="x unified", margin={"t": 60, "l": 60, "r": 20}, **LIGHT)
    return {"data": data, "layout": layout}


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


def figure_div(fig: dict[str, Any], div_id: str) -> str:
    """A div drawing `fig` (a figure dict) with Plotly.newPlot, as plotly.io.to_html(full_html=False) writes it,
    with plotly's default template added to a layout without one (as go.Figure adds it); plotly.js must be
    loaded before it."""
    layout = fig.get("layout", {})
    layout_js = to_js(layout)
    if "template" not in layout:  # spliced in as text: the same for every figure, serialised once
        layout_js = ("{" if layout_js == "{}" else layout_js[:-1] + ",") + f'"template":{_template_js()}}}'
    height = layout.get("height")
    then = ""
    if fig.get("frames"):
        then = f".then(function(){{Plotly.addFrames({json.dumps(div_id)},{to_js(fig['frames'])});}})"
    return (f'<div style="height:{f"{height}px" if height else "100%"}; width:100%;">'
            f'<div id="{div_id}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
            f"<script>window.PLOTLYENV=window.PLOTLYENV || {{}};"
            f"if (document.getElementById({json.dumps(div_id)})) {{Plotly.newPlot({json.dumps(div_id)},"
            f'{to_js(fig.get("data", []))},{layout_js},{{"responsive":true}}){then}}};</script></div>')


TABLE_CSS = ("<style>table.claims{border-collapse:collapse;font-size:13px;margin:8px 0 24px}"
             "table.claims th,table.claims td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;"
             "vertical-align:top}table.claims td:not(:last-child){white-space:nowrap}"
             "table.claims td.num{text-align:right}.early{color:#b03a2e}.late{color:#1f618d}"
             ".ok{color:#1e8449}</style>")


def _table(headers: list[str], rows: list[list[Any]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f"<td class='num'>{c}</td>" if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table class='claims'><tr>{head}</tr>{body}</table>"


def claims_tables(run: Run, claims: pd.DataFrame | None) -> str:
    """HTML tables: each area claim against the run, each dated capture with the simulated date and days off."""
    if claims is None or not len(claims):
        return ""
    out = []
    cmp, caps = compare_run(run, claims)
    if len(cmp):
        rows = [[r.date, html.escape(r.faction), f"{r.measure} ({measures.COUNTING[r.measure]})",
                 f"{r.claimed:,.0f} ({r.low:,.0f}–{r.high:,.0f})",
                 "n/a" if r.simulated != r.simulated else f"{r.simulated:,.0f}",
                 "<span class='ok'>yes</span>" if r.in_range else "no", html.escape(str(r.source))]
                for r in cmp.itertuples()]
        out.append("<h3>Against the reported areas</h3>" + _table(
            ["date", "faction", "measure", "claimed (range)", "simulated", "in range", "source"], rows, {4}))
    if len(caps):
        end = run.dates[-1]
        style = {"in range": "ok", "early": "early", "late": "late", "not by end": "late"}
        rows = []
        for r in caps.sort_values(["claimed", "place"], kind="stable").itertuples():
            text = html.escape(verdict(r.status, r.days_off, end))
            off = f"<span class='{style[r.status]}'>{text}</span>" if r.status in style else text
            rows.append([html.escape(r.place), html.escape(r.faction),
                         html.escape(reported_dates(r.claimed, r.date_low, r.date_high)).replace(" (", "<br>("),
                         r.simulated or "—", off, html.escape(str(r.source))])
        out.append("<h3>Dated captures: reported and simulated</h3>" + _table(
            ["place", "taken by", "reported", "simulated", "simulated vs reported", "source"], rows))
    return "".join(out)


def report_html(run: Run, claims: pd.DataFrame | None = None) -> str:
    """One self-contained HTML page (plotly.js inlined) with the curves, the claims, the captures and the map."""
    meta = run.meta
    title = html.escape(f"{meta.title or meta.scenario} — seed {run.seed}, {run.days} days")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
            f"<script>{plotly_js()}</script>{TABLE_CSS}</head>"
            f"<body style='font-family:sans-serif;max-width:1100px;margin:auto'><h2>{title}</h2>"
            f"<p>{html.escape(meta.description)}</p>{figure_div(curves_spec(run, claims), 'report-curves')}"
            f"{claims_tables(run, claims)}{figure_div(map_spec(run, animate=True), 'report-map')}"
            "<p style='font-size:13px;color:#555'>Black squares mark the front line: cells held by a faction "
            "next to ground held by a faction hostile to it. Territory counts every cell a faction holds, "
            "including desert it has enclosed or swept past (the enclosure rule); dashed curves count by "
            "localities instead.</p></body></html>")
