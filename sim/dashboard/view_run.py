"""Run view: pick a shipped scenario (the flagship by default) or open a saved run, set seed, window and the named
parameters (sliders and number inputs with the schema's bounds and descriptions), run it with a progress bar and
a live map, then explore the map, curves and events in the one-run panel.

A run made here is saved to the runs directory under a name made of its scenario, seed, days and overrides. The
page's address keeps the state: `?job=<id>` while a run is going, `?run=<saved directory>` once it is shown, so a
reload comes back to the same run.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from dash import Dash, Input, Output, Patch, State, ctx, dcc, html, no_update

from sim import api, catalog
from sim.dashboard import fields, figures, guard, safety
from sim.dashboard.jobs import Jobs
from sim.dashboard.panels import HIDDEN, SHOWN, Shown, cached, register_run_panel, run_panel
from sim.dashboard.runner import RunSpec, open_saved, single
from sim.errors import BadiaError
from sim.viz import mapfig

P = "run"
FLAGSHIP = "badia_2017"
MAX_PARAMS = 40  # parameter slots of the form (a scenario names fewer; the rest are hidden)


def default_scenario() -> str | None:
    """The scenario the views open on: the flagship if it is shipped."""
    names = list(catalog.shipped())
    return FLAGSHIP if FLAGSHIP in names else (names[0] if names else None)


def progress_block(p: str) -> html.Div:
    """Progress bar, its text, a message line and the polling interval of a view's job."""
    return html.Div(children=[
        html.Progress(id=f"{p}-progress", value="0", max="1", style={"width": "100%"}),
        html.Div(id=f"{p}-progress-text", className="small"),
        html.Div(id=f"{p}-message", className="message", role="alert"),
        dcc.Store(id=f"{p}-job"), dcc.Interval(id=f"{p}-poll", interval=400, disabled=True)])


def _group(key: str, names: dict[str, str]) -> str:
    parts = key.split(".")
    if parts[0] == "factions":
        return f"Doctrine: {names.get(parts[1], parts[1])}"
    return {"units": "Unit strengths", "air_power": "Air power"}.get(parts[0], "Rules")


def _number(v: float) -> str:
    return f"{v:g}"


def _control(i: int, prm: fields.Parameter) -> html.Div:
    """One parameter: its name and unit, a slider (bounded fractions and weights) or a number input with the
    schema's bounds, and the first sentence of its description (all of it on hover)."""
    # the group names the faction, unit or air rule: the control names the key within it
    short = prm.key.split(".")[-1] if prm.key.startswith("factions.") else ".".join(prm.key.split(".")[-2:])
    cid = f"{P}-param-{i}"
    if prm.slider:
        lo, hi = float(prm.lo), float(prm.hi)  # type: ignore[arg-type]
        widget: Any = dcc.Slider(id=cid, min=lo, max=hi, step=(hi - lo) / 100, value=prm.default,
                                 marks={lo: _number(lo), hi: _number(hi)}, tooltip={"placement": "bottom"})
    else:
        widget = dcc.Input(id=cid, type="number", value=prm.default, step="any", debounce=True,
                           min=prm.lo, max=prm.hi, className="number")
    first = prm.description.split(". ")[0].rstrip(".") + "." if prm.description else ""
    bounds = (f" Range {_number(prm.lo)} to {_number(prm.hi)}." if prm.lo is not None and prm.hi is not None
              else "")
    return html.Div(className="param", title=f"{prm.key}: {prm.description}", children=[
        html.Div([html.Span(short, className="pname"), html.Span(f" {prm.unit}" if prm.unit else "", className="small"),
                  html.Span(f"  (scenario: {_number(prm.default)})", className="small")]),
        widget, html.Div(first + bounds, className="small desc")])


def param_controls(params: list[fields.Parameter], names: dict[str, str]) -> list[Any]:
    """The parameter form: one collapsible group per faction's doctrine, units, air power and rules (the first
    open), and hidden slots so that the Run button's callback always finds MAX_PARAMS values."""
    groups: dict[str, list[Any]] = {}
    for i, prm in enumerate(params[:MAX_PARAMS]):
        groups.setdefault(_group(prm.key, names), []).append(_control(i, prm))
    out: list[Any] = [html.Details([html.Summary(g), *items], open=j == 0) for j, (g, items) in enumerate(groups.items())]
    out += [dcc.Input(id=f"{P}-param-{i}", type="hidden", value=None) for i in range(len(params[:MAX_PARAMS]), MAX_PARAMS)]
    return out


def scenario_form(name: str | None) -> tuple[list[Any], dict[str, list], str]:
    """The parameter controls, their keys and defaults, and the line describing scenario `name`."""
    sc = api.load(safety.shipped_scenario(name))
    params = fields.named_parameters(sc)[:MAX_PARAMS]
    info = f"{sc.meta.title}. Window {sc.meta.days} days from {sc.meta.start:%Y-%m-%d}; seed {sc.meta.seed}."
    names = {f.id: f.name or f.id for f in sc.factions}
    return (param_controls(params, names), {"keys": [p.key for p in params], "defaults": [p.default for p in params]},
            info)


def layout(runs: safety.RunsRoot) -> html.Div:
    names = list(catalog.shipped())
    default = default_scenario()
    try:
        controls, keys, info = scenario_form(default)
    except BadiaError as exc:
        controls, keys, info = param_controls([], {}), {"keys": [], "defaults": []}, str(exc)
    return html.Div(className="view", children=[
        html.Div(className="controls", children=[
            html.Label("Scenario"),
            dcc.Dropdown(id=f"{P}-scenario", options=names, value=default, clearable=False),
            html.Div(info, id=f"{P}-scenario-info", className="small"),
            html.Div(className="pair", children=[
                html.Div([html.Label("Seed"), dcc.Input(id=f"{P}-seed", type="text", placeholder="scenario's")]),
                html.Div([html.Label("Days"), dcc.Input(id=f"{P}-days", type="text", placeholder="scenario's window")])]),
            html.Button("Run", id=f"{P}-go", n_clicks=0, className="primary"),
            progress_block(P),
            html.Label("Parameters (from the scenario; hover a name for what it does)"),
            html.Div(controls, id=f"{P}-params", className="params"),
            dcc.Store(id=f"{P}-param-keys", data=keys),
            html.Label("Other overrides (one key=value per line)"),
            dcc.Textarea(id=f"{P}-overrides", style={"width": "100%", "height": "60px"},
                         placeholder="combat.stochastic=false"),
            html.Hr(),
            html.Label("Or open a saved run (under the runs directory)"),
            dcc.Dropdown(id=f"{P}-saved", options=runs.run_dirs(), placeholder="saved runs"),
            html.Button("Open", id=f"{P}-open", n_clicks=0),
        ]),
        html.Div(className="results", children=[
            html.Div(id=f"{P}-live-box", style=HIDDEN, children=[
                dcc.Graph(id=f"{P}-live", config={"displaylogo": False}, responsive=True, style={"height": "640px"}),
                dcc.Store(id=f"{P}-live-drawn")]),
            run_panel(P)]),
    ])


def live_figure(jobs: Jobs, job_id: str | None, drawn: str | None) -> tuple[Any, Any, Any]:
    """(figure or patch, box style, drawn tag) of the live map: the run so far while the job runs (the whole
    figure once, then the day's grid, front line and title), hidden when it is over."""
    st = jobs.status(job_id)
    if st is None:
        return no_update, no_update, no_update
    run = st.get("live")
    if st["status"] != "running":
        return no_update, HIDDEN, None
    if run is None:
        return no_update, no_update, no_update
    tag = f"{job_id}:{run.dates[-1]}:{run.days}"
    title = f"{st['label']} (running)"
    if drawn == tag:
        return no_update, no_update, no_update
    if drawn and drawn.startswith(f"{job_id}:"):
        patch = Patch()
        patch["data"][0]["z"] = mapfig.owner_z(run, run.days)
        fx, fy = mapfig.front_xy(run, run.days)
        patch["data"][1]["x"], patch["data"][1]["y"] = fx, fy
        patch["layout"]["title"]["text"] = figures.map_title(title, run, run.days)
        return patch, SHOWN, tag
    fig = mapfig.map_spec(run, run.days, title=figures.map_title(title, run, run.days), height=640)
    return figures.dress(fig, run, figures.theatre(run), 640), SHOWN, tag


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


def param_keys(value: Any) -> dict[str, list] | None:
    """The form's parameter keys and defaults as the page sends them back: {keys: [texts], defaults: [numbers]}."""
    if value is None:
        return None
    ok = (isinstance(value, dict) and isinstance(value.get("keys"), list) and isinstance(value.get("defaults"), list)
          and len(value["keys"]) == len(value["defaults"]) <= MAX_PARAMS
          and all(isinstance(k, str) and len(k) <= guard.MAX_TEXT for k in value["keys"])
          and all(guard._real(d) for d in value["defaults"]))
    if not ok:
        raise guard.Malformed("the parameter keys and defaults of the form", value)
    return value


def url_state(search: str | None) -> tuple[str | None, str | None]:
    """(job id, saved run) named by the page address's query (`?job=...` or `?run=...`)."""
    query = parse_qs((search or "").lstrip("?"))
    return (query.get("job") or [None])[0], (query.get("run") or [None])[0]


def _form_of(shown: Shown) -> tuple[Any, Any, Any, Any]:
    """The form's scenario, seed, days and overrides text for an opened run (the scenario only if it is shipped)."""
    meta = shown.run.meta
    scenario = meta.scenario if meta.scenario in catalog.shipped() else no_update
    text = "\n".join(f"{k}={v}" for k, v in meta.overrides.items())
    return scenario, str(shown.run.seed), str(shown.run.days), text


def register(app: Dash, runs: safety.RunsRoot, jobs: Jobs) -> None:
    register_run_panel(app, P, jobs.cache)
    register_poll(app, P, jobs)

    @guard.callback(app, Output(f"{P}-live", "figure"), Output(f"{P}-live-box", "style"),
                    Output(f"{P}-live-drawn", "data"), Input(f"{P}-poll", "n_intervals"), State(f"{P}-job", "data"),
                    State(f"{P}-live-drawn", "data"), prevent_initial_call=True,
                    checks=(guard.count, guard.key, guard.text()))
    def _live(_n: int, job_id: str | None, drawn: str | None) -> tuple:
        return live_figure(jobs, job_id, drawn)

    @guard.callback(app, Output(f"{P}-params", "children"), Output(f"{P}-param-keys", "data"),
                    Output(f"{P}-scenario-info", "children"), Input(f"{P}-scenario", "value"),
                    checks=(guard.text(),), message=f"{P}-scenario-info", prevent_initial_call=True)
    def _scenario(name: str | None) -> tuple:
        try:
            return scenario_form(name)
        except BadiaError as exc:
            return param_controls([], {}), {"keys": [], "defaults": []}, str(exc)

    param_states = [State(f"{P}-param-{i}", "value") for i in range(MAX_PARAMS)]

    @guard.callback(app, Output(f"{P}-job", "data"), Output(f"{P}-poll", "disabled", allow_duplicate=True),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Output("url", "search", allow_duplicate=True),
                    Input(f"{P}-go", "n_clicks"), State(f"{P}-scenario", "value"), State(f"{P}-seed", "value"),
                    State(f"{P}-days", "value"), State(f"{P}-param-keys", "data"), State(f"{P}-overrides", "value"),
                    *param_states, prevent_initial_call=True, message=f"{P}-message",
                    checks=(guard.count, guard.text(), guard.field, guard.field, param_keys,
                            guard.text(guard.MAX_LONG_TEXT), *[guard.field] * MAX_PARAMS))
    def _go(_n: int, name: str, seed: str, days: str, keys: dict | None, extra: str, *values: Any) -> tuple:
        keys = keys or {"keys": [], "defaults": []}
        try:
            overrides = {**fields.parameter_values(keys["keys"], keys["defaults"], list(values)),
                         **fields.overrides_text(extra)}
            spec = RunSpec(safety.shipped_scenario(name), overrides, fields.seed_field(seed), fields.days_field(days),
                           save_to=runs.root)
            work = single(spec)
        except BadiaError as exc:
            return no_update, True, f"Cannot run: {exc}", no_update
        job = jobs.start(f"Running {name}", work)
        return job, False, "", "?" + urlencode({"job": job})

    @guard.callback(app, Output(f"{P}-key", "data", allow_duplicate=True),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Output(f"{P}-scenario", "value"), Output(f"{P}-seed", "value"), Output(f"{P}-days", "value"),
                    Output(f"{P}-overrides", "value"), Output("url", "search", allow_duplicate=True),
                    Output(f"{P}-job", "data", allow_duplicate=True),
                    Output(f"{P}-poll", "disabled", allow_duplicate=True),
                    Input(f"{P}-open", "n_clicks"), Input("url", "search"), State(f"{P}-saved", "value"),
                    State(f"{P}-key", "data"), State(f"{P}-job", "data"),
                    checks=(guard.count, guard.text(), guard.text(), guard.key, guard.key), message=f"{P}-message",
                    prevent_initial_call="initial_duplicate")
    def _open(_n: int, search: str | None, rel: str | None, key: str | None, job: str | None) -> tuple:
        keep = (no_update,) * 9
        if ctx.triggered_id != f"{P}-open":  # the page was (re)loaded, or its address changed
            url_job, rel = url_state(search)
            if url_job:  # a reload during a run: poll the job again (if this server still knows it)
                if url_job == job or jobs.status(url_job) is None:
                    return keep
                return (*keep[:7], url_job, False)
            current = cached(jobs.cache, key, Shown)
            if not rel or (current is not None and current.saved == rel):
                return keep
        try:
            shown = open_saved(runs.resolve(rel, "a saved run directory"), rel or "")
        except BadiaError as exc:
            return (no_update, f"Cannot open: {exc}", *keep[2:])
        return (jobs.cache.put(shown), "", *_form_of(shown), "?" + urlencode({"run": rel}), no_update, no_update)

    @guard.callback(app, Output("url", "search", allow_duplicate=True), Input(f"{P}-key", "data"),
                    prevent_initial_call=True, checks=(guard.key,))
    def _address(key: str | None) -> Any:
        shown = cached(jobs.cache, key, Shown)
        if shown is None or not shown.saved:
            return no_update
        return "?" + urlencode({"run": shown.saved})
