"""The lesson file format (`scenarios/lessons/*/lesson.toml`): which two runs a lesson compares.

Declared here for the JSON Schema an editor uses (`badia schema --kind lesson`) and the docs;
`sim.dashboard.lesson_catalog` reads these files.
"""

from __future__ import annotations

from typing import Any

from sim.formats.fields import Spec, key


class LessonHead(Spec):
    """The lesson's title, position and the two runs it compares."""

    title: str = key(description="Title of the lesson.")
    order: int = key(1000, "Position in the list of lessons.", default_text="after the numbered ones")
    baseline: str = key(description="The baseline scenario file, relative to the lesson directory.",
                        type="string (path)")
    baseline_label: str = key("baseline", "Label of the baseline run.")
    whatif: str | None = key(None, "A second scenario file, relative to the lesson directory; or (instead) the "
                             "`[whatif_overrides]` table.", type="string (path)",
                             allowed="exactly one of `whatif` or `[whatif_overrides]`")
    whatif_label: str = key("what-if", "Label of the what-if run.")
    days: int | None = key(None, "Run length of both runs.", unit="days", default_text="the baseline's window", ge=1)
    seed: int | None = key(None, "Seed of both runs.", default_text="the baseline's", ge=0)


class LessonFile(Spec):
    """A Badia lesson description (scenarios/lessons/<name>/lesson.toml)."""

    lesson: LessonHead = key(description="The lesson.")
    whatif_overrides: dict[str, Any] = key(description="Dotted `--set` keys applied to the baseline for the "
                                           "what-if run.", factory=dict, type="table")
