"""Exports: figures as PNG (kaleido driving Debian's chromium) and curves as CSV."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading

import pandas as pd
import plotly.graph_objects as go

from sim.errors import BadiaError

DEBIAN_CHROMIUM = "/usr/bin/chromium"
PNG_TIMEOUT_S = 60.0  # a render takes 2-25 s here; past this kaleido has hung (plotly/Kaleido#441)
_lock = threading.Lock()


def browser_path() -> str | None:
    """The browser kaleido will drive: $BROWSER_PATH, else Debian's chromium if present."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    found = DEBIAN_CHROMIUM if os.path.exists(DEBIAN_CHROMIUM) else shutil.which("chromium")
    if found:
        os.environ["BROWSER_PATH"] = found  # kaleido 1.x (choreographer) looks here first
    return found


class ExportError(BadiaError):
    """A figure could not be exported (no browser for kaleido, or kaleido failed)."""


def png_bytes(fig: go.Figure, width: int = 1100, height: int | None = None) -> bytes:
    """The figure as PNG bytes, rendered by kaleido in a headless chromium.

    The render runs in a child process (`sim.dashboard.png_child`) with a time limit: kaleido's `to_image` can wait
    forever (plotly/Kaleido#441), and a page or `badia map` must never hang on it. Past `PNG_TIMEOUT_S` the child's
    whole process group is killed (chromium, in its own session, exits with its pipes) and an `ExportError` says so.
    """
    if browser_path() is None:
        raise ExportError("PNG export needs chromium (apt-get install chromium) or BROWSER_PATH set to a browser.")
    size = (width, int(height or fig.layout.height or 600))
    with _lock:  # one kaleido render at a time: each one drives a browser
        return _render(fig.to_json().encode(), size)


def _child_command(size: tuple[int, int]) -> list[str]:
    """The child that renders: this interpreter running `sim.dashboard.png_child` at `size` (width, height)."""
    return [sys.executable, "-m", "sim.dashboard.png_child", *map(str, size)]


def _render(figure_json: bytes, size: tuple[int, int]) -> bytes:
    """Run the child on the figure; its PNG, or an `ExportError` if it failed or did not answer in time."""
    child = subprocess.Popen(_child_command(size), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    try:
        image, err = child.communicate(figure_json, timeout=PNG_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        raise ExportError(f"PNG export timed out: kaleido did not answer in {PNG_TIMEOUT_S:g} s; "
                          "try again.") from None
    except BaseException:
        _kill_group(child)  # Ctrl-C or a dying server thread: leave no process behind
        raise
    _kill_group(child)  # a helper the render left behind goes with its group
    if child.returncode != 0 or not image.startswith(b"\x89PNG"):
        reason = err.decode(errors="replace").strip().splitlines()
        raise ExportError(f"PNG export failed: {reason[-1] if reason else f'exit code {child.returncode}'}")
    return image


def _kill_group(child: subprocess.Popen) -> None:
    """Kill the child and every process of its group, then reap it. (Chromium itself runs in a session of its own,
    which choreographer starts; it exits when its pipes to the killed child close.)"""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate()


def curves_csv(curves: pd.DataFrame) -> str:
    """Curves to download, formatted as a run directory's curves.csv."""
    from sim.io.rundir import curves_text

    return curves_text(curves)
