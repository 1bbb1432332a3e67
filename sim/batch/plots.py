"""Plotly figures for batches, and one self-contained HTML page to hold them.

Bands (median, 50% and 90%) per faction over time with claims as markers and their ranges as error bars;
parameter-vs-outcome scatters for sweeps; bar charts of sensitivity indices; posterior histograms.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import DEFAULT_PLOTLY_COLORS
from plotly.subplots import make_subplots

from sim import measures

MEASURE_LABELS = {"gained_km2": "territory gained (km²)", "area_km2": "territory held (km²)",
                  "locality_km2": "territory held, counted by localities (km²)",
                  "locality_gained_km2": "territory gained, counted by localities (km²)",
                  "front_km": "front line (km)",
                  "strength": "strength", "units": "units", "places_held": "places held"}


def _rgba(colour: str, alpha: float) -> str:
    colour = colour.strip()
    if colour.startswith("#") and len(colour) == 7:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    elif colour.startswith("rgb("):
        r, g, b = (int(v) for v in colour[4:-1].split(","))
    else:
        return colour
    return f"rgba({r},{g},{b},{alpha})"


def colour_map(factions: Sequence[str], known: dict[str, str] | None = None) -> dict[str, str]:
    known = known or {}
    return {f: known.get(f, DEFAULT_PLOTLY_COLORS[i % len(DEFAULT_PLOTLY_COLORS)]) for i, f in enumerate(factions)}


def bands_figure(band_table: pd.DataFrame, measure: str, claims: pd.DataFrame | None = None,
                 colours: dict[str, str] | None = None, names: dict[str, str] | None = None,
                 title: str = "") -> go.Figure:
    """Median line with 50% and 90% bands per faction; claims of this measure as markers with ranges.

    The one ensemble figure: batch summaries, ABC reports and the dashboard's Batch view draw it. A faction
    whose band is zero throughout (one that neither gains nor loses, for a gain measure) is left out.
    """
    fig = go.Figure()
    sub = band_table[band_table["measure"] == measure]
    factions = [f for f in dict.fromkeys(sub["faction"])
                if float(sub.loc[sub["faction"] == f, ["p05", "p95"]].abs().to_numpy().max(initial=0)) > 0]
    cmap = colour_map(factions, colours)
    names = names or {}
    for f in factions:
        d = sub[sub["faction"] == f].sort_values("day")
        c, label = cmap[f], names.get(f, f)
        for lo, hi, alpha, band in (("p05", "p95", 0.15, "90%"), ("p25", "p75", 0.3, "50%")):
            fig.add_trace(go.Scatter(x=d["date"], y=d[hi], mode="lines", line={"width": 0}, showlegend=False,
                                     hoverinfo="skip", legendgroup=f))
            fig.add_trace(go.Scatter(x=d["date"], y=d[lo], mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor=_rgba(c, alpha), name=f"{label} {band}", legendgroup=f,
                                     showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=d["date"], y=d["median"], mode="lines", line={"color": c, "width": 2},
                                 name=f"{label} (median, 50% and 90% bands)", legendgroup=f))
    if claims is not None:
        cl = measures.claims_on(claims, measure).reset_index(drop=True)
        for i, c in cl.iterrows():
            # Claims of the same day side by side, a few hours apart, so that their ranges stay readable.
            x = pd.Timestamp(c["date"]) + pd.Timedelta(hours=8 * (i - (len(cl) - 1) / 2))
            fig.add_trace(go.Scatter(
                x=[x], y=[c["value"]], mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": "black"},
                error_y={"type": "data", "symmetric": False, "array": [c["high"] - c["value"]],
                         "arrayminus": [c["value"] - c["low"]], "color": "black", "width": 6},
                name=f"claim: {str(c['source'])[:60]}", legendgroup="claims",
                hovertext=f"{c['faction']}: {c['value']:,.0f} ({c['low']:,.0f}-{c['high']:,.0f})<br>"
                          f"{html.escape(str(c['source']))}"))
    fig.update_layout(title=title or MEASURE_LABELS.get(measure, measure), xaxis_title="date",
                      yaxis_title=MEASURE_LABELS.get(measure, measure), template="plotly_white", height=480)
    return fig


def scatter_figure(points: pd.DataFrame, params: Sequence[str], outcome_label: str,
                   claims: pd.DataFrame | None = None) -> go.Figure:
    """Outcome of each run against each varied parameter (one panel per parameter), claim ranges shaded."""
    n = len(params)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, subplot_titles=list(params), horizontal_spacing=0.04)
    for j, p in enumerate(params, start=1):
        fig.add_trace(go.Scatter(x=points[p], y=points["outcome"], mode="markers",
                                 marker={"size": 6, "opacity": 0.6, "color": "#1f77b4"}, name=p, showlegend=False,
                                 hovertext=[f"run {r}" for r in points["run_id"]]), row=1, col=j)
        if claims is not None:
            for _, c in claims.iterrows():
                fig.add_hrect(y0=c["low"], y1=c["high"], fillcolor="grey", opacity=0.12, line_width=0, row=1,
                              col=j)
    fig.update_yaxes(title_text=outcome_label, row=1, col=1)
    fig.update_layout(template="plotly_white", height=420, title=f"{outcome_label} by parameter")
    return fig


def bars_figure(table: pd.DataFrame, index_cols: Sequence[str], error_cols: Sequence[str | None],
                title: str) -> go.Figure:
    """Grouped bars of sensitivity indices per parameter, one panel per output."""
    outputs = list(dict.fromkeys(table["output"]))
    fig = make_subplots(rows=1, cols=len(outputs), subplot_titles=outputs, shared_yaxes=False)
    palette = DEFAULT_PLOTLY_COLORS
    for j, out in enumerate(outputs, start=1):
        d = table[table["output"] == out]
        for k, (col, err) in enumerate(zip(index_cols, error_cols, strict=True)):
            fig.add_trace(go.Bar(x=d["parameter"], y=d[col], name=col, marker_color=palette[k],
                                 error_y={"type": "data", "array": d[err]} if err else None,
                                 showlegend=j == 1, legendgroup=col), row=1, col=j)
    fig.update_layout(barmode="group", template="plotly_white", height=460, title=title)
    return fig


def posterior_figure(accepted: pd.DataFrame, prior: pd.DataFrame, params: Sequence[str],
                     truth: dict[str, float] | None = None) -> go.Figure:
    """Histograms of the accepted (posterior) parameter values over the prior draws, one panel per parameter."""
    fig = make_subplots(rows=1, cols=len(params), subplot_titles=list(params))
    for j, p in enumerate(params, start=1):
        lo, hi = float(np.nanmin(prior[p])), float(np.nanmax(prior[p]))
        bins = {"start": lo, "end": hi, "size": (hi - lo) / 20 if hi > lo else 1}
        fig.add_trace(go.Histogram(x=prior[p], xbins=bins, histnorm="probability density", name="prior draws",
                                   marker_color="lightgrey", showlegend=j == 1), row=1, col=j)
        fig.add_trace(go.Histogram(x=accepted[p], xbins=bins, histnorm="probability density", name="accepted",
                                   marker_color="#1f77b4", opacity=0.75, showlegend=j == 1), row=1, col=j)
        if truth and p in truth:
            fig.add_vline(x=truth[p], line_color="red", row=1, col=j)
    fig.update_layout(barmode="overlay", template="plotly_white", height=420, title="Posterior (accepted) vs prior")
    return fig


def html_page(title: str, sections: Sequence[tuple[str, go.Figure | str]]) -> str:
    """One self-contained HTML page: plotly.js inlined once, then each (heading, figure or HTML) section."""
    body, first = [], True
    for heading, item in sections:
        body.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(item, go.Figure):
            body.append(item.to_html(full_html=False, include_plotlyjs=first))
            first = False
        else:
            body.append(item)
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>" + html.escape(title) + "</title>"
            "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}</style>"
            "</head><body><h1>" + html.escape(title) + "</h1>\n" + "\n".join(body) + "\n</body></html>\n")


def readable(v: float, share: bool = False) -> str:
    """A number as people read it: 5,164 not 5.16e+03; 0.0123 to three figures; shares as percentages."""
    if pd.isna(v):
        return ""
    if share:
        return f"{100 * v:.0f}%"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def table_html(df: pd.DataFrame) -> str:
    """A small HTML table with readable numbers (columns named share_* as percentages)."""
    fmt = {c: partial(readable, share=str(c).startswith("share")) for c in df.columns
           if pd.api.types.is_float_dtype(df[c])}
    return df.to_html(index=False, formatters=fmt, border=0, escape=True)
