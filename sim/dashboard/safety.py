"""Path confinement: what the browser may reach.

The dashboard serves only two trees: its runs directory (saved runs and batches) and the shipped scenario
directories (scenarios, lessons and the data files they name). Everything the browser sends is a name or a
path *relative* to one of those roots; it is resolved here and refused, with a message, if it leaves the
root (`..`, an absolute path, a symlink pointing out).
"""

from __future__ import annotations

from pathlib import Path

from sim import catalog
from sim.errors import DashboardPathError


def inside(root: Path, candidate: Path) -> bool:
    """Whether `candidate` (after resolving symlinks and `..`) lies in `root`."""
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def scenario_roots() -> list[Path]:
    """The shipped scenario directories (the same ones `badia scenarios` lists)."""
    return [d.resolve() for d in catalog.scenario_dirs()]


def allowed_scenario_path(path: str | Path) -> Path:
    """A scenario (or lesson, claims, data) file under a shipped scenario directory, or a DashboardPathError."""
    p = Path(path)
    if p.is_file() and any(inside(root, p) for root in scenario_roots()):
        return p.resolve()
    raise DashboardPathError("dashboard", "scenario", "a file under the shipped scenario directories", str(path),
                             "The dashboard only opens shipped scenarios and lessons.")


def shipped_scenario(name: str | None) -> Path:
    """The file of a shipped scenario, by name (never a path from the browser)."""
    table = catalog.shipped()
    if not name or name not in table:
        raise DashboardPathError("dashboard", "scenario", "a shipped scenario name", name,
                                 f"Shipped scenarios: {', '.join(table)}.")
    return table[name].resolve()


class RunsRoot:
    """The runs directory the dashboard serves, and the only place saved runs and batches come from."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def resolve(self, relative: str | None, what: str = "a directory") -> Path:
        """`relative` resolved under the root; refused if empty, absolute or pointing outside."""
        if not relative or not isinstance(relative, str):
            raise DashboardPathError("dashboard", "path", f"{what} under the runs directory", relative)
        rel = Path(relative)
        target = (self.root / rel)
        if rel.is_absolute() or ".." in rel.parts or not inside(self.root, target):
            raise DashboardPathError("dashboard", "path", f"{what} under the runs directory", relative,
                                     "Paths outside the runs directory are not served.")
        if not target.is_dir():
            raise DashboardPathError("dashboard", "path", f"{what} under the runs directory", relative,
                                     "It does not exist.")
        return target.resolve()

    def _dirs(self, marker: tuple[str, ...], depth: int = 3) -> list[str]:
        if not self.root.is_dir():
            return []
        out = []
        for d in sorted(self._walk(self.root, depth)):
            if all((d / m).exists() for m in marker) and inside(self.root, d):
                out.append(str(d.relative_to(self.root)))
        return out

    def _walk(self, d: Path, depth: int) -> list[Path]:
        found = [d]
        if depth == 0:
            return found
        for child in d.iterdir():
            if child.is_dir() and not child.name.startswith(".") and child.name not in ("runs", "curves"):
                found.extend(self._walk(child, depth - 1))
        return found

    def run_dirs(self) -> list[str]:
        """Saved run directories (holding what sim.io.rundir.read_run needs), relative to the root."""
        from sim.io.rundir import NEEDED

        return self._dirs(NEEDED)

    def batch_dirs(self) -> list[str]:
        """Batch directories (as sim.batch.store lays them out), relative to the root."""
        from sim.batch.store import MARKERS

        return self._dirs(MARKERS)
