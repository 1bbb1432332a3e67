"""Lessons view: the lesson's text beside its baseline and what-if runs (curves, both maps, difference)."""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html, no_update

from sim.dashboard import guard, lesson_catalog
from sim.dashboard.jobs import Jobs
from sim.dashboard.panels import pair_panel, register_pair_panel
from sim.dashboard.runner import RunSpec, pair
from sim.dashboard.view_run import progress_block, register_poll
from sim.errors import BadiaError

P = "lesson"


def layout() -> html.Div:
    try:
        options = [{"label": f"{i}. {les.title}", "value": les.slug}
                   for i, les in enumerate(lesson_catalog.lessons(), start=1)]
    except BadiaError:
        options = []
    return html.Div(className="view", children=[
        html.Div(className="controls lesson-text", children=[
            html.Label("Lesson"),
            dcc.Dropdown(id=f"{P}-pick", options=options, value=options[0]["value"] if options else None,
                         clearable=False),
            html.Button("Run baseline and what-if", id=f"{P}-go", n_clicks=0, className="primary"),
            progress_block(P),
            dcc.Markdown(id=f"{P}-text", className="markdown")]),
        html.Div(className="results", children=[pair_panel(P)]),
    ])


def specs(lesson: lesson_catalog.Lesson) -> tuple[RunSpec, RunSpec]:
    """The lesson's two runs: same seed and length, the what-if differing by its file or its overrides."""
    a = RunSpec(lesson.baseline, {}, lesson.seed, lesson.days, label=lesson.baseline_label)
    b = RunSpec(lesson.whatif, dict(lesson.whatif_overrides), lesson.seed, lesson.days, label=lesson.whatif_label)
    return a, b


def register(app: Dash, jobs: Jobs) -> None:
    register_pair_panel(app, P, jobs.cache)
    register_poll(app, P, jobs)

    @guard.callback(app, Output(f"{P}-text", "children"), Input(f"{P}-pick", "value"), checks=(guard.text(),),
                    message=f"{P}-text")
    def _text(slug: str | None) -> str:
        try:
            les = lesson_catalog.lesson(slug)
        except BadiaError as exc:
            return f"**{exc}**"
        return f"*Baseline:* {les.baseline_label}. *What-if:* {les.summary()}.\n\n{les.text}"

    @guard.callback(app, Output(f"{P}-job", "data"), Output(f"{P}-poll", "disabled", allow_duplicate=True),
                    Output(f"{P}-message", "children", allow_duplicate=True),
                    Input(f"{P}-go", "n_clicks"), State(f"{P}-pick", "value"), prevent_initial_call=True,
                    checks=(guard.count, guard.text()), message=f"{P}-message")
    def _go(_n: int, slug: str | None) -> tuple:
        try:
            les = lesson_catalog.lesson(slug)
            a, b = specs(les)
            work = pair(a, b, (les.baseline_label, les.whatif_label))
        except BadiaError as exc:
            return no_update, True, f"Cannot run the lesson: {exc}"
        return jobs.start(les.title, work), False, ""
