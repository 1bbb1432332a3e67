"""The lessons under `scenarios/lessons/`: one directory each, read by `badia lessons` and the Lessons view.

A lesson directory holds `lesson.md` (the text for students: What it shows, How it works, Things to
notice, Things to try, Questions for students), `lesson.toml` (which runs to compare) and its scenario files:

    [lesson]
    title = "Roads are arteries"
    order = 1                         # position in the list (default: after the numbered ones)
    baseline = "baseline.toml"        # a scenario file, relative to the lesson directory
    baseline_label = "with the highway"
    whatif = "whatif.toml"            # a second scenario file, or (instead) the overrides table below
    whatif_label = "without the highway"
    days = 12                         # optional: run length (default: the baseline's window)
    seed = 1                          # optional: the seed of both runs (default: the baseline's)

    [whatif_overrides]                # dotted --set keys applied to the baseline
    "units.flank_column.posture" = "attack"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import catalog
from sim.errors import DashboardPathError, ScenarioError
from sim.formats.errors import validate
from sim.formats.lesson import LessonFile

HEADINGS = ("What it shows", "How it works", "Things to notice", "Things to try", "Questions for students")


@dataclass(frozen=True)
class Lesson:
    """One lesson: its text and the two runs it compares."""

    slug: str
    directory: Path
    title: str
    baseline: Path
    whatif: Path
    whatif_overrides: dict[str, Any] = field(default_factory=dict)
    baseline_label: str = "baseline"
    whatif_label: str = "what-if"
    days: int | None = None
    seed: int | None = None
    order: int = 1000

    @property
    def text(self) -> str:
        return (self.directory / "lesson.md").read_text(encoding="utf-8")

    def summary(self) -> str:
        change = (", ".join(f"{k}={v!r}" for k, v in self.whatif_overrides.items()) if self.whatif_overrides
                  else f"{self.whatif.name}")
        return f"{self.baseline_label} vs {self.whatif_label} ({change})"


def lesson_dirs() -> list[Path]:
    """Every `scenarios/lessons/*/lesson.toml` directory, first scenario directory wins per name."""
    found: dict[str, Path] = {}
    for d in catalog.scenario_dirs():
        for f in sorted((d / "lessons").glob("*/lesson.toml")):
            found.setdefault(f.parent.name, f.parent)
    return list(found.values())


def read_lesson(directory: Path) -> Lesson:
    """Read and check one lesson directory against the lesson format (`sim.formats.lesson`)."""
    src = str(directory / "lesson.toml")
    try:
        raw = tomllib.loads((directory / "lesson.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(src, "", "a readable lesson.toml", None, str(exc)) from None
    spec: LessonFile = validate(LessonFile, raw, src)
    meta, overrides = spec.lesson, dict(spec.whatif_overrides)
    if (meta.whatif is not None) == bool(overrides):
        raise ScenarioError(src, "lesson.whatif", "exactly one of 'whatif' (a file) or a [whatif_overrides] table")
    baseline = (directory / meta.baseline).resolve()
    whatif = (directory / (meta.whatif or meta.baseline)).resolve()
    for key, p in (("baseline", baseline), ("whatif", whatif)):
        if not p.is_file():
            raise ScenarioError(src, f"lesson.{key}", "an existing scenario file", str(p))
    if not (directory / "lesson.md").is_file():
        raise ScenarioError(str(directory), "lesson.md", "the lesson text", None, "The file does not exist.")
    return Lesson(slug=directory.name, directory=directory, title=meta.title, baseline=baseline, whatif=whatif,
                  whatif_overrides=overrides, baseline_label=meta.baseline_label, whatif_label=meta.whatif_label,
                  days=meta.days, seed=meta.seed, order=meta.order)


def lessons() -> list[Lesson]:
    return sorted((read_lesson(d) for d in lesson_dirs()), key=lambda les: (les.order, les.slug))


def lesson(slug: str | None) -> Lesson:
    table = {d.name: d for d in lesson_dirs()}
    if not slug or slug not in table:
        raise DashboardPathError("dashboard", "lesson", "a lesson name", slug, f"Lessons: {', '.join(table)}.")
    return read_lesson(table[slug])
