"""Atomic file writes: write to a temporary file beside the target, then rename over it.

A crash or a kill never leaves a half-written file under the final name, and what was there before
stays intact until the new content is complete. A file or directory that cannot be written (no permission, a
read-only or virtual filesystem such as /proc, a full disk) is a UsageError naming its path, not an OSError;
`check_output_dir` checks an output directory before any work is done.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sim.errors import UsageError


def unwritable(path: Path, exc: OSError, flag: str = "") -> UsageError:
    """The error for an output file or directory that could not be written."""
    reason = exc.strerror or str(exc)
    return UsageError(flag or str(path), "", f"a writable {'directory' if flag else 'file or directory'}",
                      str(path) if flag else None, f"It cannot be written: {reason}.")


def make_dir(path: Path) -> None:
    """Create a directory and its parents (fine if it exists); a UsageError naming it if that fails."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(path, exc) from None


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `path`, on error it is removed.

    An OSError while creating, writing or renaming it is raised as a UsageError naming `path`.
    """
    make_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise unwritable(path, exc) from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp_path, path)
    except OSError as exc:
        raise unwritable(path, exc) from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_with(path: Path, writer: Callable[[Path], None]) -> None:
    """Atomically write `path` with a function that writes to the path it is given."""
    with atomic_path(path) as tmp:
        writer(tmp)


def check_output_dir(path: str | Path, flag: str = "--out", force: bool | None = False,
                     accept: Callable[[Path], bool] | None = None) -> None:
    """Check, before any work is done, that the output directory `path` can be written and is new or empty.

    A directory holding files is refused unless `force` is true or `accept(path)` says it is one this command
    may reuse (a batch resuming itself); `force=None` means the command has no --force flag to suggest. Nothing
    is left behind: a directory created to test that it can be written is removed again. Raises a UsageError
    naming `flag` and `path`.
    """
    if not str(path).strip():
        raise UsageError(flag, "", "a directory path", str(path), "An empty path names no directory.")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(flag, "", "a directory path", str(path), "A file with that name exists.")
    if path.is_dir():
        entries = sorted(p.name for p in path.iterdir())
        if entries and not force and not (accept is not None and accept(path)):
            shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")
            remedy = "choose a new directory" + (", or add --force to write into it" if force is not None else "")
            raise UsageError(flag, "", "a new or empty directory", str(path), f"It holds {shown}; {remedy}.")
        _probe(path, flag)
        return
    created = []
    for parent in (path, *path.parents):  # the directories mkdir would create, deepest first
        if parent.exists():
            break
        created.append(parent)
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise unwritable(path, exc, flag) from None
    try:
        _probe(path, flag)
    finally:
        for d in created:
            with suppress(OSError):
                d.rmdir()


def _probe(path: Path, flag: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".badia-probe.", suffix=".tmp", dir=path)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise unwritable(path, exc, flag) from None
