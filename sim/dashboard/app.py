"""The Dash app: four views (Run, Batch, Compare, Lessons) in tabs, sharing one job runner and result cache.

    from sim.dashboard.app import create_app
    create_app("runs").run(host="127.0.0.1", port=8050)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from sim.dashboard import guard, safety, view_batch, view_compare, view_lessons, view_run
from sim.dashboard.jobs import Jobs, ResultCache

CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
header { padding: 8px 16px; background: #33302b; color: #f3efe6; }
header h1 { font-size: 18px; margin: 0; display: inline; } header span { margin-left: 12px; font-size: 13px; }
.view { display: flex; gap: 14px; padding: 10px 14px; }
.controls { flex: 0 0 330px; display: flex; flex-direction: column; gap: 4px; font-size: 13px; }
.controls.lesson-text { flex-basis: 420px; max-height: 90vh; overflow-y: auto; }
.results { flex: 1 1 auto; min-width: 0; }
.controls label { font-weight: 600; margin-top: 6px; }
.controls input[type=text] { padding: 4px; }
button { margin: 4px 4px 4px 0; padding: 5px 10px; cursor: pointer; }
button.primary { background: #2c6e49; color: white; border: none; font-weight: 600; }
.message { color: #b00020; white-space: pre-wrap; font-size: 13px; }
.note { color: #2c6e49; font-size: 13px; margin-left: 8px; }
.sticky { position: sticky; top: 0; z-index: 20; background: white; padding: 2px 0; border-bottom: 1px solid #ddd; }
.day-controls button { margin: 2px; padding: 4px 8px; }
.params details { border: 1px solid #ddd; border-radius: 4px; padding: 2px 6px; margin: 2px 0; }
.params summary { font-weight: 600; cursor: pointer; padding: 2px 0; }
.param { margin: 4px 0 8px 0; } .param .pname { font-family: monospace; font-size: 12px; font-weight: 600; }
.param .desc { font-size: 11px; color: #666; } .param input.number { width: 110px; padding: 2px 4px; }
.event-filter { display: flex; gap: 10px; align-items: center; font-size: 13px; }
.event-filter .dash-dropdown { min-width: 420px; }
.small { font-size: 12px; color: #555; }
.day-controls { display: flex; align-items: center; gap: 8px; }
.day-controls .slider { flex: 1 1 auto; }
.pair { display: flex; gap: 6px; } .pair > div { flex: 1 1 50%; min-width: 0; }
.side { border-left: 3px solid #ccc; padding-left: 8px; margin-bottom: 6px; }
.markdown h2 { font-size: 16px; margin-bottom: 4px; } .markdown { font-size: 14px; line-height: 1.4; }
"""


RUNS_REFRESH_MS = 5000  # how often the lists of saved runs are read again


def register_runs_list(app: Dash, runs: safety.RunsRoot) -> None:
    """Keep the saved-run lists of the Run and Compare views current: read the runs directory again every few
    seconds and whenever a run is shown (a run made in the dashboard has just been saved)."""

    @guard.callback(app, Output("run-saved", "options"), Output("cmp-A-saved", "options"),
                    Output("cmp-B-saved", "options"), Input("runs-refresh", "n_intervals"), Input("run-key", "data"),
                    Input("cmp-key", "data"), State("run-saved", "options"), prevent_initial_call=True,
                    checks=(guard.count, guard.key, guard.key, options))
    def _runs(_n: int, _a: str | None, _b: str | None, shown: list | None) -> tuple:
        found = runs.run_dirs()
        if found == shown:  # unchanged: leave the lists alone (an open list would close)
            return no_update, no_update, no_update
        return found, found, found


def options(value: Any) -> list | None:
    """A dropdown's options as the page sends them back: a list of texts (or {label, value} objects)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > guard.MAX_ROWS or not all(
            (isinstance(v, str) and len(v) <= guard.MAX_TEXT) or (isinstance(v, dict) and all(
                isinstance(k, str) and guard._scalar(x) for k, x in v.items())) for v in value):
        raise guard.Malformed("a list of dropdown options", value)
    return value


def create_app(runs_dir: str | Path = "runs", strict: bool = False) -> Dash:
    """The dashboard app serving `runs_dir` (saved runs and batches) and the shipped scenarios.

    Malformed requests get a message (sim.dashboard.guard); with `strict` (the tests), an unexpected error in a
    callback propagates (HTTP 500) instead of being logged and reported as an internal error.
    """
    runs = safety.RunsRoot(runs_dir)
    jobs = Jobs(ResultCache())
    app = Dash(__name__, title="Badia dashboard", suppress_callback_exceptions=True)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    app.layout = html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Interval(id="runs-refresh", interval=RUNS_REFRESH_MS),
        html.Header([html.H1("Badia"), html.Span(f"runs directory: {runs.root}")]),
        dcc.Tabs(id="tabs", value="run", children=[
            dcc.Tab(label="Run", value="run", children=view_run.layout(runs)),
            dcc.Tab(label="Batch", value="batch", children=view_batch.layout(runs)),
            dcc.Tab(label="Compare", value="compare", children=view_compare.layout(runs)),
            dcc.Tab(label="Lessons", value="lessons", children=view_lessons.layout()),
        ]),
    ])
    view_run.register(app, runs, jobs)
    view_batch.register(app, runs, jobs)
    view_compare.register(app, runs, jobs)
    view_lessons.register(app, jobs)
    register_runs_list(app, runs)
    guard.refuse_malformed_bodies(app)
    app.server.config["BADIA_RUNS"] = str(runs.root)
    app.server.config["BADIA_STRICT"] = strict
    return app
