"""Finding scenarios by name: the shipped ones under `scenarios/`, or any path the user gives."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from sim.errors import ScenarioError, did_you_mean

DEFAULT_SCENARIO = "badia_2017"


def scenario_dirs() -> list[Path]:
    """Where shipped scenarios live: $BADIA_SCENARIOS, ./scenarios, and the repository's scenarios/."""
    dirs = []
    if os.environ.get("BADIA_SCENARIOS"):
        dirs.append(Path(os.environ["BADIA_SCENARIOS"]))
    dirs.append(Path.cwd() / "scenarios")
    dirs.append(Path(__file__).resolve().parent.parent / "scenarios")
    seen, out = set(), []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.add(d.resolve())
            out.append(d)
    return out


def shipped() -> dict[str, Path]:
    """Shipped scenario files by name (file stem), first directory wins."""
    found: dict[str, Path] = {}
    for d in scenario_dirs():
        for p in sorted(d.glob("*.toml")):
            found.setdefault(p.stem, p)
    return found


def resolve(name_or_path: str | None) -> Path:
    """A scenario path from a shipped name, a file path, or None for the default scenario."""
    if name_or_path is None:
        name_or_path = DEFAULT_SCENARIO if DEFAULT_SCENARIO in shipped() else "corridor"
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.exists():
            raise ScenarioError(str(p), "", "an existing scenario file", None, "The file does not exist.")
        return p
    table = shipped()
    if name_or_path in table:
        return table[name_or_path]
    hint = did_you_mean(name_or_path, table) or f"Shipped scenarios: {', '.join(table)}."
    raise ScenarioError(name_or_path, "", "a shipped scenario name or a path to a .toml file", None, hint)


def describe(path: Path) -> tuple[str, str]:
    """(name, title) of a scenario file, read cheaply for listings."""
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {})
        return meta.get("name", path.stem), meta.get("title", "")
    except (OSError, tomllib.TOMLDecodeError):
        return path.stem, "(unreadable)"
