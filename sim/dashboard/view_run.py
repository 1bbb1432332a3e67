"""Run view: pick a shipped scenario (or open a saved run), set seed, window and named parameters, run it
with a progress bar, then explore the map, curves and events in the one-run panel."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dash_table, dcc, html, no_update

from sim import api, catalog
from sim.dashboard import fields, guard, safety
from sim.dashboard.jobs import Jobs
from sim.dashboard.panels import register_run_panel, run_panel
from sim.dashboard.runner import RunSpec, open_saved, single
from sim.errors import BadiaError

P = "run"


def progress_block(p: str) -> html.Div:
    """Progress bar, its text, a message line and the polling interval of a view's job."""
    return html.Div(children=[
        html.Progress(id=f"{p}-progress", value="0", max="1", style={"width": "100%"}),
        html.Div(id=f"{p}-progress-text", className="small"),
        html.Div(id=f"{p}-message", className="message", role="alert"),
        dcc.Store(id=f"{p}-job"), dcc.Interval(id=f"{p}-poll", interval=400, disabled=True)])


def layout(runs: safety.RunsRoot) -> html.Div:
    names = list(catalog.shipped())
    default = "corridor" if "corridor" in names else (names[0] if names else None)
    return html.Div(className="view", children=[
        html.Div(className="controls", children=[
            html.Label("Scenario"),
            dcc.Dropdown(id=f"{P}-scenario", options=names, value=default, clearable=False),
            html.Div(id=f"{P}-scenario-info", className="small"),
            html.Label("Seed"), dcc.Input(id=f"{P}-seed", type="text", debounce=False, placeholder="scenario's"),
            html.Label("Days"), dcc.Input(id=f"{P}-days", type="text", placeholder="scenario's window"),
            html.Label("Named parameters (edit the value column)"),
            dash_table.DataTable(id=f"{P}-params", columns=[
                {"name": "parameter", "id": "key", "editable": False},
                {"name": "default", "id": "default", "editable": False},
                {"name": "value", "id": "value", "editable": True}], data=[], page_size=8,
                style_cell={"fontSize": 11, "textAlign": "left"}),
            html.Label("Other overrides (one key=value per line)"),
            dcc.Textarea(id=f"{P}-overrides", style={"width": "100%", "height": "60px"},
                         placeholder="combat.stochastic=false"),
            html.Button("Run", id=f"{P}-go", n_clicks=0, className="primary"),
            progress_block(P),
            html.Hr(),
            html.Label("Or open a saved run (under the runs directory)"),
            dcc.Dropdown(id=f"{P}-saved", options=runs.run_dirs(), placeholder="saved runs"),
            html.Button("Open", id=f"{P}-open", n_clicks=0),
        ]),
        html.Div(className="results", children=[run_panel(P)]),
    ])


def poll_job(jobs: Jobs, job_id: str | None) -> tuple[Any, Any, str, Any, bool, str]:
    """(progress value, max, text, result key, poll disabled, message) for a view's job."""
    st = jobs.status(job_id)
    if st is None:
        return no_update, no_update, "", no_update, True, no_update
    text = f"{st['label']}: day {st['done']} of {st['total']}"
    if st["status"] == "running":
        return str(st["done"]), str(st["total"]), text, no_update, False, ""
    if st["status"] == "error":
        return "0", "1", "", no_update, True, st["message"]
    return str(st["total"]), str(st["total"]), text + " — done", st["key"], True, ""


def register_poll(app: Dash, p: str, jobs: Jobs) -> None:
    """The poll callback of a view whose job result goes into `{p}-key`."""

    @guard.callback(app, Output(f"{p}-progress", "value"), Output(f"{p}-progress", "max"),
                    Output(f"{p}-progress-text", "children"), Output(f"{p}-key", "data", allow_duplicate=True),
                    Output(f"{p}-poll", "disabled", allow_duplicate=True),
                    Output(f"{p}-message", "children", allow_duplicate=True),
                    Input(f"{p}-poll", "n_intervals"), State(f"{p}-job", "data"), prevent_initial_call=True,
                    checks=(guard.count, guard.key), message=f"{p}-message")
    def _poll(_n: int, job_id: str | None) -> tuple:
        return poll_job(jobs, job_id)


def register(app: Dash, runs: safety.RunsRoot, jobs: Jobs) -> None:
    register_run_panel(app, P, jobs.cache)
    register_poll(app, P, jobs)

    @guard.callback(app, Output(f"{P}-params", "data"), Output(f"{P}-scenario-info", "children"),
                    Input(f"{P}-scenario", "value"), checks=(guard.text(),), message=f"{P}-scenario-info")
    def _scenario(name: str | None) -> tuple:
        try:
            sc = api.load(safety.shipped_scenario(name))
        except BadiaError as exc:
            return [], str(exc)
        return fields.named_parameters(sc), (f"{sc.meta.title}. Window {sc.meta.days} days from "
                                             f"{sc.meta.start:%Y-%m-%d}; seed {sc.meta.seed}.")

    @guard.callback(app, Output(f"{P}-job", "data"), Output(f"{P}-poll", "disabled", allow_duplicate=True),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Input(f"{P}-go", "n_clicks"), State(f"{P}-scenario", "value"), State(f"{P}-seed", "value"),
                    State(f"{P}-days", "value"), State(f"{P}-params", "data"), State(f"{P}-overrides", "value"),
                    prevent_initial_call=True, message=f"{P}-message",
                    checks=(guard.count, guard.text(), guard.field, guard.field, guard.rows,
                            guard.text(guard.MAX_LONG_TEXT)))
    def _go(_n: int, name: str, seed: str, days: str, params: list, extra: str) -> tuple:
        try:
            overrides = {**fields.parameter_overrides(params), **fields.overrides_text(extra)}
            spec = RunSpec(safety.shipped_scenario(name), overrides, fields.seed_field(seed), fields.days_field(days))
            work = single(spec)
        except BadiaError as exc:
            return no_update, True, f"Cannot run: {exc}"
        return jobs.start(f"Running {name}", work), False, ""

    @guard.callback(app, Output(f"{P}-key", "data", allow_duplicate=True),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Input(f"{P}-open", "n_clicks"), State(f"{P}-saved", "value"), prevent_initial_call=True,
                    checks=(guard.count, guard.text()), message=f"{P}-message")
    def _open(_n: int, rel: str | None) -> tuple:
        try:
            shown = open_saved(runs.resolve(rel, "a saved run directory"))
        except BadiaError as exc:
            return no_update, f"Cannot open: {exc}"
        return jobs.cache.put(shown), ""
