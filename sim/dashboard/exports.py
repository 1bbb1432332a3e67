"""Exports: figures as PNG (kaleido driving Debian's chromium) and curves as CSV."""

from __future__ import annotations

import os
import shutil
import threading

import pandas as pd
import plotly.graph_objects as go

from sim.errors import BadiaError

DEBIAN_CHROMIUM = "/usr/bin/chromium"
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
    """The figure as PNG bytes, rendered by kaleido in a headless chromium."""
    if browser_path() is None:
        raise ExportError("PNG export needs chromium (apt-get install chromium) or BROWSER_PATH set to a browser.")
    import plotly.io as pio

    with _lock:  # one kaleido render at a time: each one drives a browser
        try:
            return pio.to_image(fig, format="png", width=width, height=height or fig.layout.height or 600)
        except Exception as exc:  # noqa: BLE001 - reported on the page
            raise ExportError(f"PNG export failed: {type(exc).__name__}: {exc}") from None


def curves_csv(curves: pd.DataFrame) -> str:
    """Curves to download, formatted as a run directory's curves.csv."""
    from sim.io.rundir import curves_text

    return curves_text(curves)
