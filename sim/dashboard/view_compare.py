"""Compare view: two runs side by side (each a shipped scenario with its own seed and overrides, or a saved
run), with both curves, both maps on one day slider, and the difference map."""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html, no_update

from sim import catalog
from sim.dashboard import fields, guard, safety
from sim.dashboard.jobs import Jobs
from sim.dashboard.panels import Shown, pair_panel, register_pair_panel
from sim.dashboard.runner import RunSpec, open_saved, pair
from sim.dashboard.view_run import FLAGSHIP, default_scenario, progress_block, register_poll
from sim.errors import BadiaError

P = "cmp"
# Run B of the flagship by default: the coalition's air-denial patrol over the al-Tanf zone grounded
B_OVERRIDES = "air_power.coalition_tanf.sorties_per_day=0"


def _side(side: str, runs: safety.RunsRoot, overrides: str) -> html.Div:
    names = list(catalog.shipped())
    default = default_scenario()
    return html.Div(className="side", children=[
        html.H4(f"Run {side}"),
        dcc.RadioItems(id=f"{P}-{side}-source", value="scenario", inline=True, options=[
            {"label": " scenario ", "value": "scenario"}, {"label": " saved run", "value": "saved"}]),
        dcc.Dropdown(id=f"{P}-{side}-scenario", options=names, value=default, clearable=False),
        html.Label("Seed"), dcc.Input(id=f"{P}-{side}-seed", type="text", placeholder="scenario's"),
        html.Label("Days"), dcc.Input(id=f"{P}-{side}-days", type="text", placeholder="scenario's window"),
        html.Label("Overrides (key=value per line)"),
        dcc.Textarea(id=f"{P}-{side}-overrides", value=overrides, style={"width": "100%", "height": "50px"}),
        dcc.Dropdown(id=f"{P}-{side}-saved", options=runs.run_dirs(), placeholder="saved run"),
    ])


def layout(runs: safety.RunsRoot) -> html.Div:
    return html.Div(className="view", children=[
        html.Div(className="controls", children=[
            _side("A", runs, ""), _side("B", runs, B_OVERRIDES if default_scenario() == FLAGSHIP else ""),
            html.Button("Compare", id=f"{P}-go", n_clicks=0, className="primary"),
            progress_block(P)]),
        html.Div(className="results", children=[pair_panel(P)]),
    ])


def side_source(runs: safety.RunsRoot, source: str, name: str, seed: str, days: str, overrides: str,
                saved: str | None, label: str) -> RunSpec | Shown:
    """One side of the comparison, checked: a run to make (saved to the runs directory, titled with its
    overrides), or a saved run read now."""
    if source == "saved":
        return open_saved(runs.resolve(saved, f"a saved run directory for run {label}"), saved or "")
    return RunSpec(safety.shipped_scenario(name), fields.overrides_text(overrides), fields.seed_field(seed),
                   fields.days_field(days), label=label, save_to=runs.root)


def register(app: Dash, runs: safety.RunsRoot, jobs: Jobs) -> None:
    register_pair_panel(app, P, jobs.cache)
    register_poll(app, P, jobs)
    side_states = [State(f"{P}-{s}-{f}", "value") for s in ("A", "B")
                   for f in ("source", "scenario", "seed", "days", "overrides", "saved")]

    side_checks = (guard.choice("scenario", "saved"), guard.text(), guard.field, guard.field,
                   guard.text(guard.MAX_LONG_TEXT), guard.text())
    @guard.callback(app, Output(f"{P}-job", "data"), Output(f"{P}-poll", "disabled", allow_duplicate=True),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Input(f"{P}-go", "n_clicks"), *side_states, prevent_initial_call=True,
                    checks=(guard.count, *side_checks, *side_checks), message=f"{P}-message")
    def _go(_n: int, *values: str) -> tuple:
        try:
            a = side_source(runs, *values[:6], label="A")
            b = side_source(runs, *values[6:], label="B")
            work = pair(a, b, ("run A", "run B"))
        except BadiaError as exc:
            return no_update, True, f"Cannot compare: {exc}"
        return jobs.start("Running A and B", work), False, ""
