"""The result panels shared by the views: one run (map, curves, events, captures) and two runs (both maps, the
difference map, both curves), each with day controls (reset, step back, play, step forward, a day slider).

A panel shows what a job left in the result cache under a key (a `Shown` or a `Pair`). When the key changes, the
server draws the figures once, at the last day, and sends every day's owner grids as `frames`
(figures.map_frames); from then on the day slider, the step buttons and play only patch the drawn maps in the
browser (a clientside callback), so three maps of the flagship animate as fast as one small map.
"""

from __future__ import annotations

import json
import re
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
FIRST_KINDS = ("captured", "air_strike", "strike", "reinforce", "order", "dissolved")  # the order of the filter
NOISY_KINDS = ("battle",)  # hidden until ticked: a long run has hundreds of 6-hourly battles
FRAME_MAPS = 3  # the most maps one panel animates (the budget of figures.frame_days is shared)

# The clientside callback: the day (slider) and the frames give each map of the panel its grid, hover names,
# marks (front line or circled differences), title and (maps of a run, not the difference) its units and places
# taken as a Patch; nothing goes to the server.
DAY_JS = """
function(day, frames, key) {
    const C = window.dash_clientside;
    const n = %d;
    if (!frames || !frames.maps || frames.key !== key) {
        return n === 1 ? C.no_update : Array(n).fill(C.no_update);
    }
    const bytes = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
    const out = frames.maps.map(m => {
        let f = 0;
        for (let i = 0; i < m.days.length; i++) { if (m.days[i] <= (day || 0)) { f = i; } }
        const h = m.shape[0], w = m.shape[1];
        const u = bytes(m.z[f]);
        const reg = m.region ? bytes(m.region) : null;
        const z = new Array(h), cd = new Array(h);
        for (let r = 0; r < h; r++) {
            const zr = new Array(w), cr = new Array(w);
            for (let c = 0; c < w; c++) {
                const v = u[r * w + c];
                zr[c] = v;
                cr[c] = (reg && !reg[r * w + c]) ? "" : m.labels[v];
            }
            z[r] = zr; cd[r] = cr;
        }
        let p = new C.Patch().assign(["data", 0, "z"], z).assign(["data", 0, "customdata"], cd)
            .assign(["data", 1, "x"], m.marks[f][0]).assign(["data", 1, "y"], m.marks[f][1])
            .assign(["layout", "title", "text"], m.titles[f]);
        if (m.units) {  // the day's units: [which, x, y, strength, size] (figures.unit_frames)
            const U = m.units, d = U.days[f], t = U.trace;
            p = p.assign(["data", t, "x"], d[1]).assign(["data", t, "y"], d[2])
                .assign(["data", t, "text"], d[0].map(i => U.names[i]))
                .assign(["data", t, "customdata"], d[0].map((i, k) => [U.factions[i], d[3][k]]))
                .assign(["data", t, "marker", "size"], d[4])
                .assign(["data", t, "marker", "color"], d[0].map(i => U.colours[i]));
        }
        if (m.captures) {  // the places taken by that day (figures.capture_frames)
            const K = m.captures, d = K.days[f], t = K.trace;
            p = p.assign(["data", t, "x"], d.map(i => K.x[i])).assign(["data", t, "y"], d.map(i => K.y[i]))
                .assign(["data", t, "text"], d.map(i => K.text[i]))
                .assign(["data", t, "customdata"], d.map(i => K.customdata[i]))
                .assign(["data", t, "marker", "color"], d.map(i => K.colours[i]));
        }
        return p.build();
    });
    return n === 1 ? out[0] : out;
}
"""


@dataclass(frozen=True, eq=False)
class Shown:
    """A run as a panel shows it: the Run, the claims it is set against (None: none), its title, and where it is
    saved (relative to the runs directory; '' if it is not)."""

    run: Run
    claims: pd.DataFrame | None
    title: str
    saved: str = ""

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
        html.Button("|◀ start", id=f"{p}-reset", n_clicks=0, title="back to the first day"),
        html.Button("◀ day", id=f"{p}-back", n_clicks=0, title="one day back"),
        html.Button("▶ play", id=f"{p}-play", n_clicks=0, className="play"),
        html.Button("day ▶", id=f"{p}-step", n_clicks=0, title="one day on"),
        html.Div(dcc.Slider(id=f"{p}-day", min=0, max=1, step=1, value=0, marks=None,
                            tooltip={"placement": "bottom"}), className="slider"),
        dcc.Interval(id=f"{p}-tick", interval=700, disabled=True),
    ])


def _exports(p: str, buttons: list[tuple[str, str]]) -> html.Div:
    return html.Div(className="exports", children=[
        *[html.Button(label, id=f"{p}-{suffix}", n_clicks=0) for suffix, label in buttons],
        dcc.Download(id=f"{p}-download"), html.Span(id=f"{p}-export-msg", className="note")])


MAP_PX, DIFF_PX, CURVES_PX = 640, 680, figures.CURVES_HEIGHT  # heights of the panels' graphs


def _graph(gid: str, height: int) -> dcc.Graph:
    """A graph that fills its panel's width. Responsive (which sizes it from its box, hence the height here):
    drawn while the panel is still hidden, a figure would otherwise keep plotly's default width of 700 px."""
    return dcc.Graph(id=gid, config={"displaylogo": False, "scrollZoom": True}, responsive=True,
                     style={"height": f"{height}px"})


def run_panel(p: str) -> html.Div:
    """Layout of the one-run panel under prefix `p`."""
    return html.Div(id=f"{p}-panel", style=HIDDEN, children=[
        dcc.Store(id=f"{p}-key"), dcc.Store(id=f"{p}-frames"),
        _day_controls(p),
        _graph(f"{p}-map", MAP_PX),
        _exports(p, [("png-map", "PNG: map"), ("png-curves", "PNG: curves"), ("csv", "CSV: curves")]),
        _graph(f"{p}-curves", CURVES_PX),
        html.H4(id=f"{p}-events-title"),
        html.Div(className="event-filter", children=[
            html.Label("Kinds of event"),
            dcc.Dropdown(id=f"{p}-events-kinds", multi=True, options=[], value=[], placeholder="every kind"),
            dcc.Checklist(id=f"{p}-events-all", options=[{"label": " all days", "value": "all"}], value=[])]),
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
    rows = [{"place": r.place, "taken by": run.names.get(r.faction, r.faction),
             "reported": reported_dates(r.claimed, r.date_low, r.date_high),
             "simulated": r.simulated or "—", "simulated vs reported": verdict(r.status, r.days_off, end),
             "source": r.source} for r in caps.itertuples()]
    inside = int((caps["status"] == "in range").sum())
    return rows, f"Dated captures: {inside} of {len(rows)} inside the reported dates"


def pair_panel(p: str) -> html.Div:
    """Layout of the two-run panel under prefix `p`: the difference map, then A and B stacked at full width (the
    day controls stay at the top of the window while the page scrolls), then both runs' curves."""
    return html.Div(id=f"{p}-panel", style=HIDDEN, children=[
        dcc.Store(id=f"{p}-key"), dcc.Store(id=f"{p}-frames"),
        html.Div(_day_controls(p), className="sticky"),
        _graph(f"{p}-diff", DIFF_PX),
        _graph(f"{p}-map-a", MAP_PX),
        _graph(f"{p}-map-b", MAP_PX),
        _graph(f"{p}-curves", CURVES_PX),
        _exports(p, [("png-diff", "PNG: difference map"), ("png-curves", "PNG: curves"), ("csv", "CSV: curves")]),
    ])


def kind_order(kinds: list[str]) -> list[str]:
    """Event kinds as the filter lists them: captures first, then strikes, reinforcements and orders, the rest, and
    battles last."""
    def rank(k: str) -> tuple[int, str]:
        if k in FIRST_KINDS:
            return FIRST_KINDS.index(k), k
        return (len(FIRST_KINDS) + (1 if k in NOISY_KINDS else 0)), k
    return sorted(kinds, key=rank)


def kind_options(run: Run) -> tuple[list[dict[str, str]], list[str]]:
    """The filter's options (kind and count) and its first value (every kind but the noisy ones)."""
    counts = run.events["kind"].astype(str).value_counts() if not run.events.empty else pd.Series(dtype=int)
    kinds = kind_order(list(counts.index))
    options = [{"label": f"{k.replace('_', ' ')} ({counts[k]})", "value": k} for k in kinds]
    return options, [k for k in kinds if k not in NOISY_KINDS]


def _named(text: Any, names: dict[str, str]) -> Any:
    """Faction ids in an event's text replaced by the factions' names."""
    if not isinstance(text, str) or not names:
        return text
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: names[m.group(1)], text)


def events_of_day(run: Run, day: int, all_days: bool, kinds: list[str] | None = None) -> tuple[list[dict[str, Any]], str]:
    """Rows of the events table: those that led from the previous day's map to this one (or all), of the kinds
    chosen (None: every kind), with faction names rather than ids."""
    ev = run.events
    if all_days or ev.empty:
        rows = ev
        title = "Events of the run"
    elif day == 0:
        rows = ev.iloc[0:0]
        title = f"Events: none before the first map ({run.dates[0]})"
    else:
        rows = ev[ev["time"].astype(str).str[:10] == run.dates[day - 1]]
        title = f"Events from {run.dates[day - 1]} to this map ({run.dates[day]})"
    shown = rows if kinds is None else rows[rows["kind"].astype(str).isin(kinds)]
    title += f": {len(shown)} shown of {len(rows)}" if len(shown) != len(rows) else f": {len(rows)}"
    out = shown[EVENT_COLUMNS].copy()
    out["strength_lost"] = pd.to_numeric(out["strength_lost"], errors="coerce").round(1)
    names = dict(run.names)
    for col in ("faction", "detail"):
        out[col] = [_named(v, names) for v in out[col]]
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


STEP_JS = """
function(tick, reset, back, step, value, last) {
    const C = window.dash_clientside;
    const id = C.callback_context.triggered_id || "";
    const v = value || 0, end = last || 0;
    if (id.endsWith("-reset")) { return 0; }
    if (id.endsWith("-back")) { return Math.max(0, v - 1); }
    if (id.endsWith("-step") || id.endsWith("-tick")) { return Math.min(end, v + 1); }
    return C.no_update;
}
"""


# Zooming or panning one map of a two-run panel zooms the others the same way (A, B and the difference are one grid).
SYNC_JS = """
function() {
    const C = window.dash_clientside;
    const ids = %s;
    const t = C.callback_context.triggered[0];
    const ev = t && t.value;
    const none = ids.map(() => C.no_update);
    if (!ev) { return none; }
    let x = null, y = null;
    if (ev["xaxis.range[0]"] !== undefined) {
        x = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
        y = [ev["yaxis.range[0]"], ev["yaxis.range[1]"]];
    } else if (ev["xaxis.range"]) {
        x = ev["xaxis.range"]; y = ev["yaxis.range"];
    }
    if (!x || !y || y[0] === undefined) { return none; }
    const key = JSON.stringify([x, y]);
    window.badiaZoom = window.badiaZoom || {};
    if (window.badiaZoom[ids[0]] === key) { return none; }  // the echo of a zoom this callback made
    window.badiaZoom[ids[0]] = key;
    const source = t.prop_id.split(".")[0];
    return ids.map(id => id === source ? C.no_update : new C.Patch()
        .assign(["layout", "xaxis", "range"], x).assign(["layout", "yaxis", "range"], y).build());
}
"""


def _register_day_controls(app: Dash, p: str, cache: ResultCache, kind: type, graphs: list[str],
                           event_rows: bool) -> None:
    inputs = [Input(f"{p}-key", "data")]
    states: list[State] = []
    checks: list[Any] = [guard.key]
    if event_rows:
        inputs.append(Input(f"{p}-events", "active_cell"))
        states.append(State(f"{p}-events", "data"))
        checks += [guard.cell, guard.rows]

    @guard.callback(app, Output(f"{p}-day", "max"), Output(f"{p}-day", "marks"), Output(f"{p}-day", "value"),
                    *inputs, *states, prevent_initial_call=True, checks=checks)
    def _slider(key: str | None, *rest: Any) -> tuple:
        item = cached(cache, key, kind)
        if item is None:
            return no_update, no_update, no_update
        dates = (item.a if isinstance(item, Pair) else item).run.dates
        last = item.days
        if ctx.triggered_id == f"{p}-key":
            return last, _marks(dates[: last + 1]), last
        cell, rows = (rest[0], rest[1]) if event_rows else (None, None)
        if cell and rows and cell.get("row") is not None and cell["row"] < len(rows):
            return no_update, no_update, _slider_day(dates, rows[cell["row"]])
        return no_update, no_update, no_update

    # the day buttons and play's ticks move the slider in the browser: quick clicks are never lost on the way
    app.clientside_callback(STEP_JS, Output(f"{p}-day", "value", allow_duplicate=True),
                            Input(f"{p}-tick", "n_intervals"), Input(f"{p}-reset", "n_clicks"),
                            Input(f"{p}-back", "n_clicks"), Input(f"{p}-step", "n_clicks"),
                            State(f"{p}-day", "value"), State(f"{p}-day", "max"), prevent_initial_call=True)

    @guard.callback(app, Output(f"{p}-tick", "disabled"), Output(f"{p}-play", "children"),
                    Input(f"{p}-play", "n_clicks"), Input(f"{p}-day", "value"), Input(f"{p}-key", "data"),
                    State(f"{p}-day", "max"), State(f"{p}-tick", "disabled"), prevent_initial_call=True,
                    checks=(guard.count, guard.day, guard.key, guard.day, guard.flag))
    def _play(_clicks: int, value: int, _key: str, last: int, disabled: bool) -> tuple:
        value, last = value or 0, last or 0
        if ctx.triggered_id == f"{p}-play":
            # play from the start when the slider stands at the end
            playing = bool(disabled) and last > 0
        elif ctx.triggered_id == f"{p}-key":
            playing = False
        else:
            playing = not disabled and value < last
        return (not playing), ("❚❚ pause" if playing else "▶ play")

    @guard.callback(app, Output(f"{p}-day", "value", allow_duplicate=True), Input(f"{p}-play", "n_clicks"),
                    State(f"{p}-day", "value"), State(f"{p}-day", "max"), State(f"{p}-tick", "disabled"),
                    prevent_initial_call=True, checks=(guard.count, guard.day, guard.day, guard.flag))
    def _rewind(_clicks: int, value: int, last: int, disabled: bool) -> Any:
        """Play pressed at the last day starts again from the first."""
        return 0 if disabled and (value or 0) >= (last or 0) else no_update

    app.clientside_callback(DAY_JS % len(graphs),
                            *[Output(g, "figure", allow_duplicate=True) for g in graphs],
                            Input(f"{p}-day", "value"), Input(f"{p}-frames", "data"), State(f"{p}-key", "data"),
                            prevent_initial_call=True)


def _download_png(fig: Any, name: str) -> tuple:
    """The PNG to download and "Exported NAME"; or no download and why, in the error red of `.message`."""
    try:
        return dcc.send_bytes(exports.png_bytes(fig), name), f"Exported {name}"
    except BadiaError as exc:
        return no_update, html.Span(str(exc), className="message")


def file_stem(title: str) -> str:
    """A file name made of a run's title (its scenario, seed and overrides), safe on every system."""
    stem = re.sub(r"[^A-Za-z0-9._=+-]+", "_", title).strip("_.")
    return stem[:120] or "run"


def run_name(title: str) -> str:
    """A run's title (scenario, seed, days and overrides) as a short file name, e.g.
    `badia_2017-seed2017-20d-air_power.coalition_tanf.sorties_per_day=0`: the directory a run made in the dashboard
    is saved in, and the start of its exports' names."""
    parts = [x.strip() for x in title.split(",")]
    short = [parts[0]] + [p.replace("seed ", "seed").replace(" days", "d") for p in parts[1:]]
    return file_stem("-".join(short))


def register_run_panel(app: Dash, p: str, cache: ResultCache) -> None:
    """Callbacks of the one-run panel under prefix `p`."""
    _register_day_controls(app, p, cache, Shown, [f"{p}-map"], event_rows=True)

    @guard.callback(app, Output(f"{p}-map", "figure"), Output(f"{p}-frames", "data"),
                    Output(f"{p}-curves", "figure"), Output(f"{p}-captures", "data"),
                    Output(f"{p}-captures-title", "children"), Output(f"{p}-events-kinds", "options"),
                    Output(f"{p}-events-kinds", "value"), Output(f"{p}-panel", "style"),
                    Input(f"{p}-key", "data"), prevent_initial_call=True, checks=(guard.key,))
    def _draw(key: str | None) -> tuple:
        shown: Shown | None = cached(cache, key, Shown)
        if shown is None:
            return (no_update,) * 7 + (HIDDEN,)
        run = shown.run
        days = figures.frame_days(run.days, run.owner[0].size)
        frames = {"key": key, "maps": [figures.map_frames(run, shown.title, days)]}
        captures, captures_title = capture_rows(shown)
        options, kinds = kind_options(run)
        return (figures.map_dict(run, run.days, shown.title), frames,
                figures.run_curves_figure(run, shown.claims), captures, captures_title, options, kinds, SHOWN)

    @guard.callback(app, Output(f"{p}-events", "data"), Output(f"{p}-events-title", "children"),
                    Input(f"{p}-day", "value"), Input(f"{p}-events-all", "value"),
                    Input(f"{p}-events-kinds", "value"), Input(f"{p}-key", "data"), prevent_initial_call=True,
                    checks=(guard.day, guard.text_list, guard.text_list, guard.key))
    def _events(day: int, all_days: list[str], kinds: list[str] | None, key: str | None) -> tuple:
        shown: Shown | None = cached(cache, key, Shown)
        if shown is None:
            return no_update, no_update
        run = shown.run
        day = max(0, min(int(day or 0), run.days))
        return events_of_day(run, day, "all" in (all_days or []), kinds or None)

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
        stem = run_name(shown.title)
        if ctx.triggered_id == f"{p}-csv":
            return dcc.send_string(exports.curves_csv(run.curves), f"{stem}-curves.csv"), f"Exported {stem}-curves.csv"
        if ctx.triggered_id == f"{p}-png-curves":
            return _download_png(figures.run_curves_figure(run, shown.claims), f"{stem}-curves.png")
        day = max(0, min(int(day or 0), run.days))
        return _download_png(figures.map_figure(run, day, shown.title), f"{stem}-map-{run.dates[day]}.png")


def register_pair_panel(app: Dash, p: str, cache: ResultCache) -> None:
    """Callbacks of the two-run panel under prefix `p`."""
    graphs = [f"{p}-diff", f"{p}-map-a", f"{p}-map-b"]
    _register_day_controls(app, p, cache, Pair, graphs, event_rows=False)
    app.clientside_callback(SYNC_JS % json.dumps(graphs), *[Output(g, "figure", allow_duplicate=True) for g in graphs],
                            *[Input(g, "relayoutData") for g in graphs], prevent_initial_call=True)

    @guard.callback(app, Output(f"{p}-diff", "figure"), Output(f"{p}-map-a", "figure"), Output(f"{p}-map-b", "figure"),
                    Output(f"{p}-curves", "figure"), Output(f"{p}-frames", "data"), Output(f"{p}-panel", "style"),
                    Input(f"{p}-key", "data"), prevent_initial_call=True, checks=(guard.key,))
    def _draw(key: str | None) -> tuple:
        pair: Pair | None = cached(cache, key, Pair)
        if pair is None:
            return (no_update,) * 5 + (HIDDEN,)
        a, b = pair.a.run, pair.b.run
        ta, tb = pair.a.title, pair.b.title
        day = pair.days
        same = figures.same_grid(a, b)
        view = figures.theatre(a, b) if same else None
        days = figures.frame_days(day, a.owner[0].size, FRAME_MAPS)
        maps = [figures.map_frames(a, ta, days), figures.map_frames(b, tb, days)]
        if same:
            maps.insert(0, figures.diff_frames(a, b, pair.labels, days))
        diff = figures.diff_dict(a, b, day, pair.labels, view=view) if same else _no_diff()
        frames = {"key": key, "maps": maps} if same else None  # without a difference map the outputs do not line up
        return (diff, figures.map_dict(a, day, ta, view=view), figures.map_dict(b, day, tb, view=view),
                figures.pair_curves_figure(a, b, pair.labels, pair.a.claims), frames, SHOWN)

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
        stem = file_stem(f"{run_name(pair.a.title)}-vs-{run_name(pair.b.title)}")
        if ctx.triggered_id == f"{p}-csv":
            both = pd.concat([a.curves.assign(run=pair.labels[0]), b.curves.assign(run=pair.labels[1])])
            return dcc.send_string(exports.curves_csv(both), f"{stem}-curves.csv"), f"Exported {stem}-curves.csv"
        if ctx.triggered_id == f"{p}-png-curves":
            return _download_png(figures.pair_curves_figure(a, b, pair.labels, pair.a.claims), f"{stem}-curves.png")
        if not figures.same_grid(a, b):
            return no_update, "The two runs have different maps: no difference map."
        day = max(0, min(int(day or 0), pair.days))
        return _download_png(figures.diff_figure(a, b, day, pair.labels), f"{stem}-difference-day{day}.png")


def _no_diff() -> dict:
    return {"data": [], "layout": {"title": {"text": "No difference map: the two runs have different maps "
                                                      "or factions."}, "height": 200}}


__all__ = ["Pair", "Shown", "pair_panel", "register_pair_panel", "register_run_panel", "run_panel"]
