"""Reusable result panels: one run (map, day slider, play, curves, events, exports) and a pair of runs
(two maps, the difference map and both curves on one day slider). Each view places a panel under its own
id prefix and fills the panel's `-key` store with the cache key of what to draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, ctx, dash_table, dcc, html, no_update

from sim.dashboard import exports, figures, guard
from sim.dashboard.jobs import ResultCache
from sim.errors import BadiaError
from sim.model import EVENT_COLUMNS
from sim.rundata import Run

HIDDEN = {"display": "none"}
SHOWN = {"display": "block"}


@dataclass(frozen=True, eq=False)
class Shown:
    """A run as a panel shows it: the Run, the claims it is set against (None: none) and its title."""

    run: Run
    claims: pd.DataFrame | None
    title: str

    @property
    def days(self) -> int:
        return self.run.days


@dataclass
class Pair:
    """Two runs to set side by side, with their labels."""

    a: Shown
    b: Shown
    labels: tuple[str, str]

    @property
    def days(self) -> int:
        return min(self.a.days, self.b.days)


def _marks(dates: list[str]) -> dict[int, str]:
    n = len(dates)
    step = max(1, (n - 1) // 8)
    marks = {i: dates[i][5:] for i in range(0, n, step)}
    marks[n - 1] = dates[-1][5:]
    return marks


def _day_controls(p: str) -> html.Div:
    return html.Div(className="day-controls", children=[
        html.Button("▶ play", id=f"{p}-play", n_clicks=0, className="play"),
        html.Div(dcc.Slider(id=f"{p}-day", min=0, max=1, step=1, value=0, marks=None,
                            tooltip={"placement": "bottom"}), className="slider"),
        dcc.Interval(id=f"{p}-tick", interval=700, disabled=True),
    ])


def _exports(p: str, buttons: list[tuple[str, str]]) -> html.Div:
    return html.Div(className="exports", children=[
        *[html.Button(label, id=f"{p}-{suffix}", n_clicks=0) for suffix, label in buttons],
        dcc.Download(id=f"{p}-download"), html.Span(id=f"{p}-export-msg", className="message")])


def run_panel(p: str) -> html.Div:
    """Layout of the one-run panel under prefix `p`."""
    return html.Div(id=f"{p}-panel", style=HIDDEN, children=[
        dcc.Store(id=f"{p}-key"), dcc.Store(id=f"{p}-drawn"),
        _day_controls(p),
        dcc.Graph(id=f"{p}-map", config={"displaylogo": False}),
        _exports(p, [("png-map", "PNG: map"), ("png-curves", "PNG: curves"), ("csv", "CSV: curves")]),
        dcc.Graph(id=f"{p}-curves", config={"displaylogo": False}),
        html.H4(id=f"{p}-events-title"),
        dcc.Checklist(id=f"{p}-events-all", options=[{"label": " all days", "value": "all"}], value=[]),
        dash_table.DataTable(id=f"{p}-events", columns=[{"name": c, "id": c} for c in EVENT_COLUMNS],
                             page_size=12, style_table={"overflowX": "auto"},
                             style_cell={"fontSize": 12, "textAlign": "left", "maxWidth": 320,
                                         "overflow": "hidden", "textOverflow": "ellipsis"}),
        html.H4(id=f"{p}-captures-title"),
        dash_table.DataTable(id=f"{p}-captures", columns=[{"name": c, "id": c} for c in CAPTURE_TABLE],
                             page_size=12, style_table={"overflowX": "auto"},
                             style_cell={"fontSize": 12, "textAlign": "left", "maxWidth": 360,
                                         "overflow": "hidden", "textOverflow": "ellipsis"}),
    ])


CAPTURE_TABLE = ["place", "taken by", "reported", "simulated", "simulated vs reported", "source"]


def capture_rows(shown: Shown) -> tuple[list[dict[str, Any]], str]:
    """Rows of the dated-captures table: each capture claim within the run (or already made) against the run."""
    from sim.compare import compare_run, reported_dates, verdict, within_run

    run, claims = shown.run, shown.claims
    if claims is None or run.events.empty or not (claims["measure"] == "captured").any():
        return [], ""
    end = run.dates[-1]
    caps = within_run(compare_run(run, claims)[1], end).sort_values(["claimed", "place"])
    rows = [{"place": r.place, "taken by": r.faction, "reported": reported_dates(r.claimed, r.date_low, r.date_high),
             "simulated": r.simulated or "—", "simulated vs reported": verdict(r.status, r.days_off, end),
             "source": r.source} for r in caps.itertuples()]
    inside = int((caps["status"] == "in range").sum())
    return rows, f"Dated captures: {inside} of {len(rows)} inside the reported dates"


def pair_panel(p: str) -> html.Div:
    """Layout of the two-run panel under prefix `p`."""
    return html.Div(id=f"{p}-panel", style=HIDDEN, children=[
        dcc.Store(id=f"{p}-key"), dcc.Store(id=f"{p}-drawn"),
        dcc.Graph(id=f"{p}-curves", config={"displaylogo": False}),
        _day_controls(p),
        html.Div(className="pair", children=[dcc.Graph(id=f"{p}-map-a", config={"displaylogo": False}),
                                             dcc.Graph(id=f"{p}-map-b", config={"displaylogo": False})]),
        dcc.Graph(id=f"{p}-diff", config={"displaylogo": False}),
        _exports(p, [("png-diff", "PNG: difference map"), ("png-curves", "PNG: curves"), ("csv", "CSV: curves")]),
    ])


def events_of_day(run: Run, day: int, all_days: bool) -> tuple[list[dict[str, Any]], str]:
    """Rows of the events table: those that led from the previous day's map to this one (or all)."""
    ev = run.events
    if all_days or ev.empty:
        rows = ev
        title = f"Events of the run ({len(ev)})"
    elif day == 0:
        rows = ev.iloc[0:0]
        title = f"Events: none before the first map ({run.dates[0]})"
    else:
        rows = ev[ev["time"].astype(str).str[:10] == run.dates[day - 1]]
        title = f"Events from {run.dates[day - 1]} to this map ({run.dates[day]}): {len(rows)}"
    out = rows[EVENT_COLUMNS].copy()
    out["strength_lost"] = pd.to_numeric(out["strength_lost"], errors="coerce").round(1)
    return out.astype(object).where(out.notna(), "").to_dict("records"), title


def _slider_day(dates: list[str], row: dict[str, Any]) -> int:
    """The map day an event belongs to: the map after the day it happened."""
    date = str(row.get("time", ""))[:10]
    return min(dates.index(date) + 1, len(dates) - 1) if date in dates else 0


def cached(cache: ResultCache, key: str | None, kind: type) -> Any:
    """The cached result under `key` if it is a `kind` (a Shown for the one-run panel, a Pair for the two-run
    one), else None: a key the page sends may be stale, made up, or another panel's."""
    item = cache.get(key)
    return item if isinstance(item, kind) else None


def _register_day_controls(app: Dash, p: str, cache: ResultCache, kind: type, event_rows: bool) -> None:
    inputs = [Input(f"{p}-key", "data"), Input(f"{p}-tick", "n_intervals")]
    states = [State(f"{p}-day", "value")]
    checks = [guard.key, guard.count, guard.day]
    if event_rows:
        inputs.append(Input(f"{p}-events", "active_cell"))
        states.append(State(f"{p}-events", "data"))
        checks = [guard.key, guard.count, guard.cell, guard.day, guard.rows]

    @guard.callback(app, Output(f"{p}-day", "max"), Output(f"{p}-day", "marks"), Output(f"{p}-day", "value"),
                    *inputs, *states, prevent_initial_call=True, checks=checks)
    def _slider(key: str | None, _tick: int, *rest: Any) -> tuple:
        item = cached(cache, key, kind)
        if item is None:
            return no_update, no_update, no_update
        dates = (item.a if isinstance(item, Pair) else item).run.dates
        last = item.days
        value = rest[1] if event_rows else rest[0]
        if ctx.triggered_id == f"{p}-key":
            return last, _marks(dates[: last + 1]), last
        if ctx.triggered_id == f"{p}-tick":
            return no_update, no_update, min((value or 0) + 1, last)
        cell, rows = rest[0], rest[2]
        if cell and rows and cell.get("row") is not None and cell["row"] < len(rows):
            return no_update, no_update, _slider_day(dates, rows[cell["row"]])
        return no_update, no_update, no_update

    @guard.callback(app, Output(f"{p}-tick", "disabled"), Output(f"{p}-play", "children"),
                    Input(f"{p}-play", "n_clicks"), Input(f"{p}-day", "value"), Input(f"{p}-key", "data"),
                    State(f"{p}-day", "max"), State(f"{p}-tick", "disabled"), prevent_initial_call=True,
                    checks=(guard.count, guard.day, guard.key, guard.day, guard.flag))
    def _play(_clicks: int, value: int, _key: str, last: int, disabled: bool) -> tuple:
        if ctx.triggered_id == f"{p}-play":
            playing = bool(disabled) and (value or 0) < (last or 0)
        else:
            playing = not disabled and (value or 0) < (last or 0)
        return (not playing), ("❚❚ pause" if playing else "▶ play")


def _download_png(fig: Any, name: str) -> tuple:
    try:
        return dcc.send_bytes(exports.png_bytes(fig), name), f"Exported {name}"
    except BadiaError as exc:
        return no_update, str(exc)


def register_run_panel(app: Dash, p: str, cache: ResultCache) -> None:
    """Callbacks of the one-run panel under prefix `p`."""
    _register_day_controls(app, p, cache, Shown, event_rows=True)

    @guard.callback(app, Output(f"{p}-map", "figure"), Output(f"{p}-drawn", "data"),
                    Output(f"{p}-curves", "figure"), Output(f"{p}-events", "data"),
                    Output(f"{p}-events-title", "children"), Output(f"{p}-captures", "data"),
                    Output(f"{p}-captures-title", "children"), Output(f"{p}-panel", "style"),
                    Input(f"{p}-day", "value"), Input(f"{p}-events-all", "value"), Input(f"{p}-key", "data"),
                    State(f"{p}-drawn", "data"), prevent_initial_call=True,
                    checks=(guard.day, guard.text_list, guard.key, guard.key))
    def _draw(day: int, all_days: list[str], key: str | None, drawn: str | None) -> tuple:
        shown: Shown | None = cached(cache, key, Shown)
        if shown is None:
            return no_update, no_update, no_update, no_update, no_update, no_update, no_update, HIDDEN
        run = shown.run
        day = max(0, min(int(day or 0), run.days))
        rows, title = events_of_day(run, day, "all" in (all_days or []))
        if drawn == key:  # same run: send only this day's grid
            return (figures.day_patch(run, day, shown.title), no_update, no_update, rows, title, no_update, no_update,
                    SHOWN)
        captures, captures_title = capture_rows(shown)
        return (figures.map_figure(run, day, shown.title), key, figures.run_curves_figure(run, shown.claims), rows,
                title, captures, captures_title, SHOWN)

    @guard.callback(app, Output(f"{p}-download", "data"), Output(f"{p}-export-msg", "children"),
                    Input(f"{p}-png-map", "n_clicks"), Input(f"{p}-png-curves", "n_clicks"),
                    Input(f"{p}-csv", "n_clicks"), State(f"{p}-key", "data"), State(f"{p}-day", "value"),
                    prevent_initial_call=True, checks=(guard.count, guard.count, guard.count, guard.key, guard.day),
                    message=f"{p}-export-msg")
    def _export(_a: int, _b: int, _c: int, key: str | None, day: int) -> tuple:
        shown: Shown | None = cached(cache, key, Shown)
        if shown is None:
            return no_update, "Nothing to export yet: run a scenario first."
        run = shown.run
        stem = f"{run.meta.scenario}-seed{run.seed}"
        if ctx.triggered_id == f"{p}-csv":
            return dcc.send_string(exports.curves_csv(run.curves), f"{stem}-curves.csv"), f"Exported {stem}-curves.csv"
        if ctx.triggered_id == f"{p}-png-curves":
            return _download_png(figures.run_curves_figure(run, shown.claims), f"{stem}-curves.png")
        day = max(0, min(int(day or 0), run.days))
        return _download_png(figures.map_figure(run, day, shown.title), f"{stem}-map-{run.dates[day]}.png")


def register_pair_panel(app: Dash, p: str, cache: ResultCache) -> None:
    """Callbacks of the two-run panel under prefix `p`."""
    _register_day_controls(app, p, cache, Pair, event_rows=False)

    @guard.callback(app, Output(f"{p}-map-a", "figure"), Output(f"{p}-map-b", "figure"),
                    Output(f"{p}-diff", "figure"), Output(f"{p}-curves", "figure"), Output(f"{p}-drawn", "data"),
                    Output(f"{p}-panel", "style"), Input(f"{p}-day", "value"), Input(f"{p}-key", "data"),
                    State(f"{p}-drawn", "data"), prevent_initial_call=True,
                    checks=(guard.day, guard.key, guard.key))
    def _draw(day: int, key: str | None, drawn: str | None) -> tuple:
        pair: Pair | None = cached(cache, key, Pair)
        if pair is None:
            return no_update, no_update, no_update, no_update, no_update, HIDDEN
        day = max(0, min(int(day or 0), pair.days))
        a, b = pair.a.run, pair.b.run
        ta, tb = pair.labels
        diff = figures.diff_figure(a, b, day, pair.labels, height=480) if figures.same_grid(a, b) else _no_diff()
        if drawn == key:
            return figures.day_patch(a, day, ta), figures.day_patch(b, day, tb), diff, no_update, no_update, SHOWN
        return (figures.map_figure(a, day, ta, 480), figures.map_figure(b, day, tb, 480), diff,
                figures.pair_curves_figure(a, b, pair.labels), key, SHOWN)

    @guard.callback(app, Output(f"{p}-download", "data"), Output(f"{p}-export-msg", "children"),
                    Input(f"{p}-png-diff", "n_clicks"), Input(f"{p}-png-curves", "n_clicks"),
                    Input(f"{p}-csv", "n_clicks"), State(f"{p}-key", "data"), State(f"{p}-day", "value"),
                    prevent_initial_call=True, checks=(guard.count, guard.count, guard.count, guard.key, guard.day),
                    message=f"{p}-export-msg")
    def _export(_a: int, _b: int, _c: int, key: str | None, day: int) -> tuple:
        pair: Pair | None = cached(cache, key, Pair)
        if pair is None:
            return no_update, "Nothing to export yet."
        a, b = pair.a.run, pair.b.run
        if ctx.triggered_id == f"{p}-csv":
            both = pd.concat([a.curves.assign(run=pair.labels[0]), b.curves.assign(run=pair.labels[1])])
            return dcc.send_string(exports.curves_csv(both), "compare-curves.csv"), "Exported compare-curves.csv"
        if ctx.triggered_id == f"{p}-png-curves":
            return _download_png(figures.pair_curves_figure(a, b, pair.labels), "compare-curves.png")
        if not figures.same_grid(a, b):
            return no_update, "The two runs have different maps: no difference map."
        day = max(0, min(int(day or 0), pair.days))
        return _download_png(figures.diff_figure(a, b, day, pair.labels), f"difference-day{day}.png")


def _no_diff() -> dict:
    return {"data": [], "layout": {"title": {"text": "No difference map: the two runs have different maps "
                                                      "or factions."}, "height": 200}}


__all__ = ["Pair", "Shown", "pair_panel", "register_pair_panel", "register_run_panel", "run_panel"]
