"""Shared fixtures: the repository's scenarios and a builder for small synthetic scenario files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

BASE = """
[scenario]
name = "{name}"
start = "2020-01-01"
end = "2020-01-{end:02d}"
step_hours = 6
seed = 1

[map]
bbox = [36.0, 33.0, 37.0, 33.4]
cell_km = 2.0
"""


def write_scenario(tmp_path: Path, body: str, name: str = "test", end: int = 11) -> Path:
    """Write a scenario made of the standard header and `body` (TOML) to a temporary file."""
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(BASE.format(name=name, end=end)) + textwrap.dedent(body), encoding="utf-8")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in a `*_browser.py` module is a browser test (marker `browser`)."""
    for item in items:
        if item.path.stem.endswith("_browser"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def scenario_file(tmp_path: Path):
    def make(body: str, name: str = "test", end: int = 11) -> Path:
        return write_scenario(tmp_path, body, name, end)

    return make
