"""Lessons: each one loads and validates, has the five headings, and its what-if really changes the outcome
(both runs are made, with the lesson's seed and length, and the difference is asserted)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from sim.cli import main
from sim.dashboard import lesson_catalog
from sim.dashboard.runner import run_spec
from sim.dashboard.view_lessons import specs
from sim.rundata import Run

LESSONS = {les.slug: les for les in lesson_catalog.lessons()}


def last(data: Run, faction: str, column: str) -> float:
    c = data.curves
    return float(c[(c["faction"] == faction) & (c["day"] == c["day"].max())][column].iloc[0])


def captured(data: Run, place: str, by: str) -> bool:
    ev: pd.DataFrame = data.events
    return bool(((ev["kind"] == "captured") & (ev["place"] == place) & (ev["faction"] == by)).any())


def _roads(base: Run, what: Run) -> None:
    assert captured(base, "Eastford", "west") and not captured(what, "Eastford", "west")
    assert last(base, "west", "gained_km2") > 2 * last(what, "west", "gained_km2")


def _resources(base: Run, what: Run) -> None:
    assert captured(base, "Qasr oil field", "crown") and not captured(what, "Qasr oil field", "crown")
    assert last(base, "brotherhood", "strength") < 0.7 * last(what, "brotherhood", "strength")


def _supply(base: Run, what: Run) -> None:
    assert not captured(base, "Hilltown", "west") and captured(what, "Hilltown", "west")
    assert last(base, "east", "strength") > 2 * last(what, "east", "strength")


def _red_line(base: Run, what: Run) -> None:
    assert (base.events["kind"] == "air_strike").any() and not (what.events["kind"] == "air_strike").any()
    assert not captured(base, "Border crossing", "crown") and captured(what, "Border crossing", "crown")


def _two_fronts(base: Run, what: Run) -> None:
    assert last(what, "centre", "gained_km2") < last(base, "centre", "gained_km2") - 150
    assert last(what, "centre", "strength") < 0.75 * last(base, "centre", "strength")
    assert last(base, "east", "gained_km2") == 0 < last(what, "east", "gained_km2")


def _badia(base: Run, what: Run) -> None:
    # As ordered, the east waits for June; left to itself each unit races for Arak and al-Sukhnah in May.
    for place in ("Arak", "al-Sukhnah"):
        assert not captured(base, place, "government") and captured(what, place, "government")
    assert last(what, "government", "gained_km2") > 2 * last(base, "government", "gained_km2")
    assert (base.events["kind"] == "order").any() and not (what.events["kind"] == "order").any()


def _rivers(base: Run, what: Run) -> None:
    assert captured(base, "Eastford", "west") and not captured(what, "Eastford", "west")
    assert captured(what, "Bridge", "west")  # the assault gets across either way, by the bridge or by fording
    assert last(base, "west", "gained_km2") > 1.5 * last(what, "west", "gained_km2")
    orders = base.events[base.events["kind"] == "order"]["place"].tolist()
    assert orders == ["Bridge", "Eastford"]  # the assault group's objectives, in the order it was given


def _iraq(base: Run, what: Run) -> None:
    # As reported the army breaks until Sistani's call (13 June) and Mosul falls; standing, it holds Mosul.
    assert captured(base, "Mosul", "isis") and not captured(what, "Mosul", "isis")
    assert last(base, "isis", "gained_km2") > 2 * last(what, "isis", "gained_km2")
    assert captured(base, "Kirkuk", "krg") and captured(what, "Kirkuk", "krg")  # the Peshmerga move in either way


CHECKS: dict[str, Callable[[Run, Run], None]] = {
    "roads_are_arteries": _roads, "resources_as_objectives": _resources, "supply_and_encirclement": _supply,
    "red_line": _red_line, "two_front_war": _two_fronts, "badia_2017": _badia, "rivers_and_orders": _rivers,
    "iraq_2014": _iraq}


def test_at_least_five_lessons_each_with_a_check() -> None:
    assert len(LESSONS) >= 5
    assert set(LESSONS) == set(CHECKS)


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_lesson_text_has_the_headings(slug: str) -> None:
    text = LESSONS[slug].text
    headings = [ln[3:].strip() for ln in text.splitlines() if ln.startswith("## ")]
    assert headings == list(lesson_catalog.HEADINGS)
    assert LESSONS[slug].title in text


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_lesson_scenarios_validate(slug: str, capsys: pytest.CaptureFixture[str]) -> None:
    les = LESSONS[slug]
    files = sorted({str(les.baseline), str(les.whatif)})
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count(": ok") == len(files)
    for spec in specs(les):
        spec.load()  # the what-if overrides apply cleanly


@pytest.mark.parametrize("slug", [pytest.param(s, marks=pytest.mark.slow) if s == "badia_2017" else s
                                  for s in sorted(LESSONS)])  # the flagship's what-if takes seconds
def test_what_if_changes_the_outcome(slug: str) -> None:
    base, what = (run_spec(s).run for s in specs(LESSONS[slug]))
    assert base.dates == what.dates  # same window, same seed: only the lesson's change differs
    CHECKS[slug](base, what)


def test_badia_lessons_lists_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(LESSONS)
    assert lines[0].startswith("1. roads_are_arteries") and "Roads are arteries" in lines[0]


def test_a_lesson_needs_exactly_one_what_if(tmp_path) -> None:  # noqa: ANN001
    d = tmp_path / "broken"
    d.mkdir()
    (d / "lesson.md").write_text("# x\n")
    (d / "baseline.toml").write_text("")
    (d / "lesson.toml").write_text('[lesson]\ntitle = "x"\nbaseline = "baseline.toml"\n')
    with pytest.raises(lesson_catalog.ScenarioError, match="exactly one of"):
        lesson_catalog.read_lesson(d)


@pytest.mark.parametrize(("toml", "says"), [
    ('[lesson]\ntitle = "x"\nbaseline = "baseline.toml"\nwhatiff = "b.toml"\n', "lesson.whatiff.*Did you mean 'whatif'"),
    ('[lesson]\ntitle = "x"\nbaseline = "baseline.toml"\ndays = 0\n[whatif_overrides]\n"a.b" = 1\n', "lesson.days"),
    ('[lesson]\nbaseline = "baseline.toml"\n[whatif_overrides]\n"a.b" = 1\n', "lesson.title"),
])
def test_lesson_files_are_checked_against_the_lesson_format(tmp_path, toml: str, says: str) -> None:  # noqa: ANN001
    # the same model (sim.formats.lesson) that the JSON Schema and the docs come from
    d = tmp_path / "broken"
    d.mkdir()
    (d / "lesson.md").write_text("# x\n")
    (d / "baseline.toml").write_text("")
    (d / "lesson.toml").write_text(toml)
    with pytest.raises(lesson_catalog.ScenarioError, match=says):
        lesson_catalog.read_lesson(d)
