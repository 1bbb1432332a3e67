"""Batch view: open a batch directory under the runs directory; ensemble bands per faction with the claims,
outcome against each swept parameter, and one run's map, re-run from its seed and parameters."""

from __future__ import annotations

from pathlib import Path

from dash import Dash, Input, Output, State, dcc, html, no_update

from sim.batch import plots
from sim.batch.summary import bands as band_table
from sim.dashboard import batchdata, figures, guard, safety
from sim.dashboard.jobs import Jobs
from sim.dashboard.panels import register_run_panel, run_panel
from sim.dashboard.runner import RunSpec, single
from sim.dashboard.view_run import progress_block, register_poll
from sim.errors import BadiaError, DashboardPathError, UsageError

P = "batch"
MEASURES = ("gained_km2", "area_km2")  # the outcomes the view offers


def layout(runs: safety.RunsRoot) -> html.Div:
    return html.Div(className="view", children=[
        html.Div(className="controls", children=[
            html.Label("Batch directory (under the runs directory)"),
            dcc.Dropdown(id=f"{P}-dir", options=runs.batch_dirs(), placeholder="batches"),
            html.Label("Outcome"),
            dcc.RadioItems(id=f"{P}-measure", value="gained_km2", options=[
                {"label": " gained since start (km²)", "value": "gained_km2"},
                {"label": " territory held (km²)", "value": "area_km2"}]),
            html.Div(id=f"{P}-summary", className="small"),
            html.Hr(),
            html.Label("One run of the batch (re-run from its seed and parameters)"),
            dcc.Dropdown(id=f"{P}-run", options=[], placeholder="run"),
            html.Button("Show its map", id=f"{P}-show", n_clicks=0),
            progress_block(P),
        ]),
        html.Div(className="results", children=[
            dcc.Graph(id=f"{P}-bands", style={"display": "none"}), dcc.Graph(id=f"{P}-outcome",
                                                                         style={"display": "none"}),
            run_panel(P)]),
    ])


def _open(runs: safety.RunsRoot, rel: str | None) -> batchdata.Batch:
    return batchdata.read_batch(runs.resolve(rel, "a batch directory"))


def run_spec_of(batch: batchdata.Batch, run_id: int) -> RunSpec:
    """How to re-run one run of a batch: its scenario (shipped only), params, seed and the batch's days."""
    record = batch.run_record(run_id)
    if not batch.scenario_path or Path(batch.scenario_path).suffix != ".toml":
        raise DashboardPathError(batch.path.name, "scenario", "a shipped scenario to re-run the batch's runs from",
                                 batch.scenario_path)
    path = safety.allowed_scenario_path(batch.scenario_path)
    return RunSpec(path, dict(record.get("params") or {}), int(record["seed"]), batch.days,
                   label=f"run {run_id} of {batch.path.name} (seed {record['seed']})")


def register(app: Dash, runs: safety.RunsRoot, jobs: Jobs) -> None:
    register_run_panel(app, P, jobs.cache)
    register_poll(app, P, jobs)

    @guard.callback(app, Output(f"{P}-bands", "figure"), Output(f"{P}-bands", "style"),
                    Output(f"{P}-outcome", "figure"), Output(f"{P}-outcome", "style"),
                    Output(f"{P}-summary", "children"), Output(f"{P}-run", "options"),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Input(f"{P}-dir", "value"), Input(f"{P}-measure", "value"), prevent_initial_call=True,
                    checks=(guard.text(), guard.choice(*MEASURES)), message=f"{P}-message")
    def _batch(rel: str | None, measure: str) -> tuple:
        hidden = {"display": "none"}
        measure = measure or MEASURES[0]
        if not rel:
            return no_update, hidden, no_update, hidden, "", [], ""
        try:
            b = _open(runs, rel)
        except BadiaError as exc:
            return no_update, hidden, no_update, hidden, "", [], f"Cannot open the batch: {exc}"
        ok = int((b.runs["status"] == "ok").sum()) if not b.runs.empty else 0
        m = b.manifest
        summary = (f"{m.get('experiment', b.path.name)}: scenario {Path(str(b.scenario_path)).stem}, "
                   f"{len(b.runs)} of {m.get('runs', '?')} runs recorded ({ok} ok), {b.days} days, "
                   f"parameters: {', '.join(b.params) or 'none'}.")
        bands = plots.bands_figure(band_table(b.curves, (measure,)), measure, b.claims, b.colours, b.names)
        shown = {"display": "block"}
        if b.params:
            outcome, ostyle = figures.outcome_figure(b.outcomes(measure), b.params, b.colours, b.names, measure), shown
        else:
            outcome, ostyle = no_update, hidden
        options = []
        for _, r in b.runs.iterrows():
            values = "".join(f", {p}={r[p]}" for p in b.params if p in b.runs.columns)
            options.append({"label": f"run {r['run_id']} (seed {r['seed']}{values}) {r['status']}",
                            "value": int(r["run_id"])})
        return bands, shown, outcome, ostyle, summary, options, ""

    @guard.callback(app, Output(f"{P}-job", "data"), Output(f"{P}-poll", "disabled", allow_duplicate=True),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Input(f"{P}-show", "n_clicks"), State(f"{P}-dir", "value"), State(f"{P}-run", "value"),
                    prevent_initial_call=True, checks=(guard.count, guard.text(), guard.whole(0)),
                    message=f"{P}-message")
    def _show(_n: int, rel: str | None, run_id: int | None) -> tuple:
        try:
            if run_id is None:
                raise UsageError("form", "run", "a run of the batch (pick one)")
            spec = run_spec_of(_open(runs, rel), int(run_id))
            work = single(spec)
        except BadiaError as exc:
            return no_update, True, f"Cannot show the run: {exc}"
        return jobs.start(f"Re-running run {run_id}", work), False, ""
